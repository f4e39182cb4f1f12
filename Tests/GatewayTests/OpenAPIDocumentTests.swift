import Formats
import Foundation
@testable import Gateway
import Hummingbird
import QueryLanguage
import Testing

@Suite struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
    }

    /// The document describes exactly what the router serves, method and
    /// path, whatever the table it is built from says.
    @Test func theDocumentDescribesTheRoutesTheRouterServes() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: [String: Any]]])
        let documented = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        let served = Set(RouteAccessTests.registeredRoutes().map { "\($0.method) \($0.path)" })
        #expect(served.count >= 30)
        #expect(documented.subtracting(served).isEmpty, "documented, not served")
        #expect(served.subtracting(documented).isEmpty, "served, not documented")
    }

    @Test func everyRouteIsDescribedWithItsSecurity() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
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

    /// A parameter's schema takes exactly what the server takes: `last` and
    /// `interval` by their patterns, over counts around every limit.
    @Test func durationPatternsAreWhatTheServerTakes() throws {
        let counts = ["", "0", "00", "1", "01", "+1", "-1", "1.5", " 1", "1 ", "\u{0661}", "4", "5", "9", "10", "30", "31",
                      "720", "721", "9999", "10000", "43200", "43201", "99999", "100000", "999999", "1000000",
                      "2592000", "2592001", "99999999", "100000000", "999999999", "1000000000",
                      "9223372036854775807", "99999999999999999999"]
        let texts = counts.flatMap { count in ["s", "m", "h", "d", "w", "y", ""].map { count + $0 } }
        let last = try Self.pattern(of: .duration), interval = try Self.pattern(of: .huntInterval)
        for text in texts {
            #expect(Self.matches(last, text) == ((try? TimeWindow.duration(text)) != nil), "last=\(text)")
            #expect(Self.matches(interval, text) == Self.serverTakesInterval(text), "interval=\(text)")
        }
    }

    /// A query needs a letter (every field and protocol name has one), so `q=0` is outside the schema.
    @Test func queriesWithoutALetterAreOutsideTheSchemaAndNeverCompile() throws {
        let pattern = try Self.pattern(of: .query)
        for text in ["0", "1 == 2", "()", "!", "{80}", "80..90", " ", "\"1\"", "&&"] {
            #expect(!Self.matches(pattern, text) && (try? QueryCompiler.compile(text, for: .packets)) == nil, "\(text)")
        }
        #expect(Self.matches(pattern, "port == 80"))
    }

    static func pattern(of kind: APIRoute.Parameter.Kind) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: try #require(OpenAPIDocument.parameterSchema(kind)["pattern"] as? String))
    }

    static func matches(_ pattern: NSRegularExpression, _ text: String) -> Bool {
        pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func serverTakesInterval(_ text: String) -> Bool {
        var components = URLComponents()
        components.path = "/api/v1/hunts/1"
        components.queryItems = [URLQueryItem(name: "interval", value: text)]
        let head = HTTPRequest(method: .patch, scheme: nil, authority: nil, path: components.percentEncodedPath
            + "?" + (components.percentEncodedQuery ?? ""))
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        do {
            _ = try HuntRoutes.interval(request)
            return true
        } catch {
            return false
        }
    }
}
