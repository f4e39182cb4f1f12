import Foundation

/// Reads a flat JSON settings file: an object whose values are strings,
/// numbers or booleans. Numbers and booleans keep their JSON spelling.
enum SettingsFile {
    static func read(path: String) throws(SettingsError) -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode([String: FlatValue].self, from: data).mapValues(\.text)
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidFile(path, reason: describe(context))
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalidFile(path, reason: describe(context))
        } catch {
            throw .invalidFile(path, reason: "not valid JSON")
        }
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        guard let key = context.codingPath.first?.stringValue else { return "the top level is not an object" }
        return "the value of \"\(key)\" is not a string, number or boolean"
    }

    /// One value of the file, as text.
    private struct FlatValue: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let bool = try? container.decode(Bool.self) {
                text = bool ? "true" : "false"
            } else if let int = try? container.decode(Int.self) {
                text = String(int)
            } else if let double = try? container.decode(Double.self) {
                text = String(double)
            } else {
                text = try container.decode(String.self)
            }
        }
    }
}
