/// Encodes a flat configuration as texts by key (`SettingValue.settingText`);
/// a property without a value is left out. Nothing but keyed
/// `SettingValue`s can be encoded.
final class SettingTextEncoder: Encoder {
    final class Texts {
        var value: [String: String] = [:]
    }

    let texts = Texts()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Container(texts: texts))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError(Self.notFlat) }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError(Self.notFlat) }

    static let notFlat = "a configuration is a flat set of keyed SettingValues"

    struct Container<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let texts: Texts
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) {}

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: String, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try store(value, key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try store(value, key) }

        private func store(_ value: some Encodable, _ key: Key) throws {
            guard let value = value as? any SettingValue else {
                throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "not a SettingValue"))
            }
            texts.value[key.stringValue] = value.settingText
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey> { fatalError(SettingTextEncoder.notFlat) }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            fatalError(SettingTextEncoder.notFlat)
        }
        mutating func superEncoder() -> any Encoder { fatalError(SettingTextEncoder.notFlat) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError(SettingTextEncoder.notFlat) }
    }
}
