import Capture
import Foundation
import Testing

@Suite struct NetworkInterfaceTests {
    @Test func listsLoopbackWithItsAddress() throws {
        let interfaces = try NetworkInterface.list()
        let lo = try #require(interfaces.first { $0.name == "lo" })
        #expect(lo.isLoopback)
        #expect(lo.isUp)
        #expect(lo.ipv4.contains("127.0.0.1"))
        #expect(lo.macAddress == nil)
        #expect(lo.mtu != nil)
        #expect(interfaces.map(\.name) == interfaces.map(\.name).sorted())
        #expect(Set(interfaces.map(\.name)).count == interfaces.count)
    }

    @Test func keepsPseudoDevices() throws {
        let any = try #require(try NetworkInterface.list().first { $0.name == "any" })
        #expect(!any.description.isEmpty)
        #expect(any.mtu == nil)
    }

    @Test func roundTripsThroughJSON() throws {
        let interfaces = try NetworkInterface.list()
        let decoded = try JSONDecoder().decode([NetworkInterface].self, from: JSONEncoder().encode(interfaces))
        #expect(decoded == interfaces)
    }
}
