import Auth

extension QueryMessage {
    /// API keys: the gateway checks each request's key with search.
    public enum Keys {
        public enum Request: QueryKinds {
            /// Is a live key stored with this SHA-256 (hex)?
            case verify(hashHex: String)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case verify = "verifyKey"
            }
        }

        public enum Reply: QueryKinds {
            /// Its name and role; nil when no live key has that hash.
            case holder(APIKeyHolder?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case holder = "keyHolder"
            }
        }
    }
}
