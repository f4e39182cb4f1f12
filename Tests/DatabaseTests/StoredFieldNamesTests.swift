@testable import Database
import Protocols
import Testing

/// The names `fields` writes by number: every name a protocol writes is
/// listed, and a listed name keeps its number for as long as rows on disk
/// hold it.
struct StoredFieldNamesTests {
    /// What the list held when version 2 was first written: its length and
    /// the FNV-1a of the names joined by newlines. Append names; never
    /// change these.
    static let pinnedCount = 201
    static let pinnedHash: UInt64 = 0xF29E_F970_3900_A6CA

    @Test func listedNamesKeepTheirNumbers() {
        let names = StoredFieldNames.names
        #expect(names.count >= Self.pinnedCount)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in names.prefix(Self.pinnedCount).joined(separator: "\n").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        #expect(hash == Self.pinnedHash, "the first \(Self.pinnedCount) names changed: rows on disk name fields by their places")
        #expect(Set(names).count == names.count)
    }

    @Test func everyNameAProtocolWritesIsListed() {
        let written = ProtocolModules.all.flatMap(\.fieldNames)
            + ["request", "response", "tags"]  // the event options' (EventFields)
            + ["name", "type", "class", "ttl", "data"]  // a DNS record's
        for name in written {
            let number = Array(name.utf8).withUnsafeBytes { StoredFieldNames.number(of: $0) }
            #expect(number.map { StoredFieldNames.names[$0] } == name, "\(name)")
        }
    }

    @Test func otherNamesAreNotFound() {
        for name in ["", "dns", "dns.question", "dns.question.namex", "DNS.ID", "http.request.headers.x-forwarded-for"] {
            #expect(Array(name.utf8).withUnsafeBytes { StoredFieldNames.number(of: $0) } == nil, "\(name)")
        }
    }
}
