import Foundation
@testable import Gateway
import Testing

@Suite struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
    }

    @Test func everyRouteIsDescribedWithItsSecurity() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        #expect(Set(paths.keys) == Set(GatewayRouter.routes.map(\.path)))
        for route in GatewayRouter.routes {
            let operation = try #require(paths[route.path]?[route.method.lowercased()], "\(route.path)")
            let security = operation["security"] as? [[String: Any]] ?? []
            #expect(security.isEmpty == !route.authenticated, "\(route.path)")
            let responses = operation["responses"] as? [String: Any] ?? [:]
            #expect(responses["200"] != nil && (responses["401"] != nil) == route.authenticated, "\(route.path)")
            #expect((responses["403"] != nil) == route.authenticated, "\(route.path)")
            let roles = operation["x-netsift-roles"] as? [String] ?? []
            #expect(Set(roles) == (route.authenticated ? Set(route.access.roles.map(\.rawValue)) : []), "\(route.path)")
            let inPath = (operation["parameters"] as? [[String: Any]] ?? [])
                .filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String }
            #expect(inPath.map { "{\($0)}" }.allSatisfy(route.path.contains), "\(route.path)")
            #expect(inPath.contains("id") == route.path.contains("{id}"), "\(route.path)")
            #expect(inPath.contains("name") == route.path.contains("{name}"), "\(route.path)")
        }
    }

    /// Each schema lists exactly the fields the object encodes, so the
    /// document cannot drift from the responses.
    @Test func schemasMatchWhatTheObjectsEncode() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let encoder = JSONEncoder()
        for (name, sample) in OpenAPIDocument.samples {
            let encodable = try #require(sample as? any Encodable, "\(name)")
            let encoded = try #require(try JSONSerialization.jsonObject(with: encoder.encode(encodable)) as? [String: Any])
            let schema = try #require(schemas[name] as? [String: Any], "\(name)")
            let properties = try #require(schema["properties"] as? [String: Any], "\(name)")
            #expect(Set(properties.keys) == Set(encoded.keys), "\(name)")
            for (field, value) in encoded {
                let type = (properties[field] as? [String: Any])?["type"]
                let names = (type as? String).map { [$0] } ?? (type as? [String]) ?? []
                switch value {
                case is String: #expect(names.contains("string"), "\(name).\(field)")
                case is NSNumber:
                    #expect(names.contains("integer") || names.contains("boolean"), "\(name).\(field)")
                case is [Any]: #expect(names.contains("array"), "\(name).\(field)")
                default: break
                }
            }
        }
    }

    @Test func everyReferenceResolves() throws {
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let references = text.components(separatedBy: "#/components/schemas/").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        #expect(!references.isEmpty)
        for reference in references { #expect(schemas[reference] != nil, "\(reference)") }
    }
}
