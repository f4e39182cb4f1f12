/// Decodes a flat configuration from texts by key: each value is parsed by
/// its `SettingValue` type, and a text that does not parse is an
/// `InvalidSetting`. Nothing but keyed `SettingValue`s can be decoded.
struct SettingTextDecoder: Decoder {
    let texts: [String: String]
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Container(texts: texts))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Self.notFlat }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Self.notFlat }

    static var notFlat: DecodingError {
        .typeMismatch(Any.self, .init(codingPath: [], debugDescription: "a configuration is a flat set of keyed SettingValues"))
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let texts: [String: String]
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { texts.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { texts[key.stringValue] != nil }
        func decodeNil(forKey key: Key) -> Bool { texts[key.stringValue] == nil }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(key) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key) }

        private func value<T>(_ key: Key) throws -> T {
            guard let valueType = T.self as? any SettingValue.Type else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [key], debugDescription: "not a SettingValue"))
            }
            guard let text = texts[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no value and no default"))
            }
            guard let parsed = valueType.init(settingText: text), let value = parsed as? T else {
                throw InvalidSetting(key: key.stringValue, text: text, expected: valueType.expected)
            }
            return value
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey> { throw SettingTextDecoder.notFlat }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw SettingTextDecoder.notFlat
        }
        func superDecoder() throws -> any Decoder { throw SettingTextDecoder.notFlat }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw SettingTextDecoder.notFlat }
    }
}
