@testable import Gateway
import NIOCore
import NIOEmbedded
import Testing

/// A connection must send its first request head within the header
/// timeout; the head's end is found however the bytes are split.
@Suite struct HeaderTimeoutTests {
    static let head = Array("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: HeaderTimeoutHandler(timeout: .seconds(10)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func halfAHeadIsClosedAtTheTimeout() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(bytes: Self.head.prefix(20)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func nothingAtAllIsClosedToo() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test func aWholeHeadKeepsTheConnection() throws {
        let channel = try Self.channel()
        for byte in Self.head { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        var forwarded: [UInt8] = []
        while let part = try channel.readInbound(as: ByteBuffer.self) { forwarded += Array(buffer: part) }
        #expect(forwarded == Self.head, "every byte passes through")
        _ = try channel.finish()
    }

    @Test func theHeadEndIsFoundAcrossEverySplit() {
        for split in 0 ... Self.head.count {
            var end = RequestHeadEnd()
            let first = end.scan(Self.head[..<split])
            let second = end.scan(Self.head[split...])
            #expect(first == (split == Self.head.count) && second, "split at \(split)")
        }
        var bare = RequestHeadEnd()
        let bareEnds = bare.scan(Array("GET / HTTP/1.1\nHost: x\n\n".utf8))
        var open = RequestHeadEnd()
        let openEnds = open.scan(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8))
        #expect(bareEnds && !openEnds)
    }
}
