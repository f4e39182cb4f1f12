import Auth
import Formats
import Foundation
import Wire

/// The OpenAPI 3.1 document of the native API, built from `GatewayRouter.routes`
/// and from the response objects themselves (their stored properties, read
/// by reflection from sample values), so it cannot drift from the code.
public enum OpenAPIDocument {
    /// A sample of every object a route returns, by schema name. Optionals
    /// and arrays hold a value so their types can be read.
    static var samples: [String: Any] {
        let packetObject = PacketObject(Sample.packet, frame: .frame(timestamp: 1, wireLength: 60, bytes: [0]))
        return [
            "AppPacCap": AppPacCapObject(version: GatewayRouter.version),
            "StatsQuery": StatsQueryObject(Sample.totals),
            "Sensor": SensorObject(Sample.sensor),
            "NetAdapter": NetAdapterObject(Sample.adapter),
            "Capture": CaptureObject(Sample.capture),
            "CaptureMeta": CaptureMetaObject(Sample.captureMeta),
            "StatsCaptureQuery": StatsCaptureQueryObject(Sample.captureStats),
            "Packet": packetObject,
            "PacketStream": PacketStreamObject(captureID: 1, page: Sample.packetPage, packets: [packetObject]),
            "Flow": FlowObject(Sample.flow),
            "SearchList": SearchListObject(page: .init(processed: "tcp"), packets: [(1, packetObject)]),
            "SearchMeta": SearchMetaObject(Sample.searchMeta),
            "ExportFile": ExportFileObject(.init(name: "netsift-search-1-a.pcap", bytes: 24),
                                           in: ExportDirectory(path: "/var/lib/netsift/exports"), packets: 0),
            "Hunt": HuntObject(Sample.hunt),
            "HuntMatches": HuntMatchesObject(Sample.huntMatches),
            "SearchSyntax": SearchSyntaxObject(page: .init(processed: "tcp", problem: .init(position: 0, message: "m",
                                                                                          hint: "h"))),
        ]
    }

    /// The JSON schema of `value`'s stored properties; nested objects that
    /// have a schema of their own are references.
    static func schema(of value: Any, names: [String: String]) -> [String: Any] {
        var properties: [String: Any] = [:]
        var required: [String] = []
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let mirror = Mirror(reflecting: child.value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else { continue }
                var type = typeSchema(of: wrapped, names: names)
                if let name = type["type"] as? String { type["type"] = [name, "null"] }
                properties[label] = type  // JSONEncoder leaves nil out: not required
            } else {
                properties[label] = typeSchema(of: child.value, names: names)
                required.append(label)
            }
        }
        return ["type": "object", "properties": properties, "required": required.sorted()]
    }

    static func typeSchema(of value: Any, names: [String: String]) -> [String: Any] {
        switch value {
        case is Bool: return ["type": "boolean"]
        case is Int, is Int32, is UInt32: return ["type": "integer"]
        case is Int64, is UInt64: return ["type": "integer", "format": "int64"]
        case is String: return ["type": "string"]
        case let list as [Any]:
            return ["type": "array", "items": list.first.map { typeSchema(of: $0, names: names) } ?? [:]]
        case is [String: Any]: return ["type": "object"]
        default:
            if let name = names[String(describing: type(of: value))] { return ["$ref": "#/components/schemas/\(name)"] }
            return ["type": "object"]
        }
    }

    static func envelope(_ returnValue: [String: Any]) -> [String: Any] {
        ["type": "object", "required": ["ErrorCode", "DataType", "ReturnValue"],
         "properties": ["ErrorCode": ["type": "integer", "const": 0], "DataType": ["type": "integer", "const": 3],
                        "ReturnValue": returnValue]]
    }

    public static func json() -> [String: Any] {
        let samples = Self.samples
        let names = Dictionary(samples.map { (String(describing: type(of: $0.value)), $0.key) }) { first, _ in first }
        var schemas: [String: Any] = [:]
        for (name, sample) in samples { schemas[name] = schema(of: sample, names: names) }
        // Events are ECS documents whose fields depend on the protocol (docs/API.md).
        schemas["Event"] = [
            "type": "object", "required": ["@timestamp", "event", "flow", "network", "netsift"],
            "additionalProperties": true,
            "properties": [
                "@timestamp": ["type": "string", "format": "date-time"],
                "event": ["type": "object", "required": ["dataset"],
                          "properties": ["dataset": ["type": "string", "enum": GatewayRouter.datasets]]],
                "flow": ["type": "object", "properties": ["id": ["type": "string"]]],
                "network": ["type": "object", "properties": ["community_id": ["type": "string"]]],
                "netsift": ["type": "object", "required": ["event", "capture", "frames"],
                            "properties": ["event": ["type": "integer", "format": "int64"],
                                           "capture": ["type": "integer", "format": "int64"],
                                           "frames": ["type": "array", "items": ["type": "integer"]]]],
            ],
        ]
        schemas["Error"] = [
            "type": "object", "required": ["ErrorCode", "DataType", "ReturnValue"],
            "properties": ["ErrorCode": ["type": "integer", "description": "2 no key, 3 not found, 4 bad request, 9 bad key, 1 other"],
                           "DataType": ["type": "integer", "const": 1], "ReturnValue": ["type": "string"]],
        ]
        let error: [String: Any] = ["description": "an error in the RESPONSE envelope",
                                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        var paths: [String: Any] = [:]
        for route in GatewayRouter.routes {
            var parameters: [[String: Any]] = route.query.map {
                ["name": $0.name, "in": "query", "required": [.query, .queryText, .name].contains($0.kind), "description": $0.summary,
                 "schema": parameterSchema($0.kind)]
            }
            if route.path.contains("{id}") {
                parameters.insert(["name": "id", "in": "path", "required": true,
                                   "schema": ["type": "integer", "minimum": 0, "maximum": Int64.max]], at: 0)
            }
            if route.path.contains("{name}") {
                parameters.insert(["name": "name", "in": "path", "required": true,
                                   "schema": ["type": "string", "maxLength": 128]], at: 0)
            }
            let ok: [String: Any]
            switch route.answer {
            case .object(let name):
                ok = ["description": "the object",
                      "content": ["application/json": ["schema": envelope(["$ref": "#/components/schemas/\(name)"])]]]
            case .list(let name):
                let list: [String: Any] = [
                    "type": "object", "required": ["Version", "Items", "Returned", "LastId"],
                    "properties": ["Version": ["type": "integer"], "Returned": ["type": "integer"],
                                   "LastId": ["type": "integer", "format": "int64"],
                                   "Items": ["type": "array", "items": ["$ref": "#/components/schemas/\(name)"]]],
                ]
                ok = ["description": "a page of objects", "content": ["application/json": ["schema": envelope(list)]]]
            case .captureFile:
                ok = ["description": "a capture file, streamed",
                      "content": ["application/vnd.tcpdump.pcap": ["schema": ["type": "string", "format": "binary"]],
                                  "application/x-pcapng": ["schema": ["type": "string", "format": "binary"]]]]
            case .plain:
                ok = ["description": "plain JSON", "content": ["application/json": ["schema": ["type": "object"]]]]
            }
            var responses: [String: Any] = ["200": ok]
            if case .captureFile = route.answer, route.method == "GET" {
                responses["206"] = ["description": "the byte range asked for (`Range`), when the file cannot change",
                                    "content": ok["content"] ?? [:]]
                responses["416"] = error
                responses["429"] = error.merging(["description": "the key's downloads_per_key are under way (Retry-After)"]) { $1 }
                responses["503"] = error.merging(["description": "downloads_total are under way (Retry-After)"]) { $1 }
            }
            if route.method == "POST" && route.path == "/api/v1/searches" {
                responses["429"] = error.merging(["description": "the key's searches_per_key are queued or running (Retry-After)"]) { $1 }
            }
            if route.authenticated {
                responses["401"] = error
                responses["403"] = error.merging(["description": "the key's role may not call this route (ErrorCode 8)"]) { $1 }
            }
            responses["405"] = error
            if !route.query.isEmpty || route.path.contains("{id}") { responses["400"] = error }
            if route.path.contains("{id}") || route.path.contains("{name}") { responses["404"] = error }
            var operation: [String: Any] = ["summary": route.summary, "parameters": parameters, "responses": responses,
                                            "operationId": operationID(route.path, method: route.method)]
            operation["security"] = route.authenticated ? [["basic": [String]()], ["token": [String]()]] : [[String: Any]]()
            if route.authenticated {
                operation["x-netsift-roles"] = APIRole.allCases.filter(route.access.roles.contains).map(\.rawValue)
            }
            var methods = paths[route.path] as? [String: Any] ?? [:]
            methods[route.method.lowercased()] = operation
            paths[route.path] = methods
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "NetSift API", "version": GatewayRouter.version,
                     "description": "AppPacCap objects in the RESPONSE envelope; see docs/API.md."],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "basic": ["type": "http", "scheme": "basic", "description": "the API key as user name, empty password"],
                    "token": ["type": "apiKey", "in": "header", "name": "Authorization",
                              "description": "`Token KEY`"],
                ],
            ],
        ]
    }

    static func parameterSchema(_ kind: APIRoute.Parameter.Kind) -> [String: Any] {
        switch kind {
        case .cursor: ["type": "integer", "minimum": 0, "maximum": Int64.max]
        case .limit: ["type": "integer", "minimum": 1, "maximum": Int64.max]
        case .uuid: ["type": "string", "format": "uuid"]
        case .communityID: ["type": "string", "minLength": 1, "maxLength": 128]
        // Every query names a field or protocol: it has a letter.
        case .query: ["type": "string", "minLength": 1, "maxLength": SearchParameters.maxQueryLength, "pattern": "[A-Za-z]"]
        case .queryText: ["type": "string", "minLength": 1, "maxLength": SearchParameters.maxQueryLength]
        case .searchTarget: ["type": "string", "enum": ["packets", "flows", "events"]]
        case .dataset: ["type": "string", "enum": GatewayRouter.datasets]
        case .duration: ["type": "string", "pattern": durationPattern(atMostSeconds: .max)]
        case .huntInterval:
            ["type": "string", "pattern": durationPattern(atMostSeconds: Int64(HuntRoutes.maxIntervalSeconds))]
        case .instant: ["type": "string", "format": "date-time"]
        case .name: ["type": "string", "minLength": 1, "maxLength": 128]
        case .flag: ["type": "boolean"]
        }
    }

    /// What `TimeWindow.duration` takes, up to `atMostSeconds`: per unit, a
    /// count of 1 to the largest that unit allows.
    static func durationPattern(atMostSeconds limit: Int64) -> String {
        let units = TimeWindow.units.compactMap { unit -> String? in
            let most = min(limit / unit.seconds, Int64(String(repeating: "9", count: unit.digits)) ?? 0)
            return most > 0 ? integers(upTo: most) + String(unit.unit) : nil
        }
        return "^(?:" + units.joined(separator: "|") + ")$"
    }

    /// A pattern of the decimal integers 1 … `most` (no sign, no leading zero).
    static func integers(upTo most: Int64) -> String {
        let digits = Array(String(most))
        var alternatives = (1 ..< digits.count).map { $0 == 1 ? "[1-9]" : "[1-9][0-9]{\($0 - 1)}" }
        // As many digits as `most`: its first i digits, a smaller one, then any.
        for (i, digit) in digits.enumerated() {
            let low = i == 0 ? 1 : 0
            guard let value = digit.wholeNumberValue, value > low else { continue }
            let rest = digits.count - i - 1
            alternatives.append(String(digits[..<i]) + "[\(low)-\(value - 1)]" + (rest > 0 ? "[0-9]{\(rest)}" : ""))
        }
        alternatives.append(String(digits))
        return "(?:" + alternatives.joined(separator: "|") + ")"
    }

    static func operationID(_ path: String, method: String) -> String {
        let words = path.dropFirst("/api/v1/".count).split(whereSeparator: { "/{}._".contains($0) }).map(String.init)
        return method.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The document as bytes, keys sorted.
    public static let bytes: [UInt8] = {
        let data = try? JSONSerialization.data(withJSONObject: json(), options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { [UInt8]($0) } ?? []
    }()
}
