import Dissection
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Messaging
import PcapStore
import Testing
import Wire

/// `HEAD` and `Range` on downloads, through the gateway's router with fake
/// search and storage: captures 1 (complete, pcap) and 3 (complete, mixed
/// link types: pcapng) serve ranges; capture 2 (running) does not; capture 4
/// (complete) is 12,000 frames, three storage reads.
@Suite struct DownloadTests {
    /// A capture's frames: captured lengths that cross every padding remainder.
    static let lengths = [60, 61, 62, 63, 1_500, 1, 90]

    static func frames(capture: UInt64) -> Range<Int> { 0 ..< (capture == 4 ? 12_000 : lengths.count) }

    static func frame(_ index: Int) -> (linkType: UInt32, timestamp: Int64, bytes: [UInt8]) {
        let linkType: UInt32 = index % 2 == 0 ? 1 : 101
        return (linkType, 1_700_000_000_000_000_000 + Int64(index) * 1_000,
                (0 ..< (index < lengths.count ? lengths[index] : 100)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) })
    }

    static func linkTypes(capture: UInt64) -> [UInt32] { capture == 3 ? [1, 101] : [1] }

    static func exportFrame(_ index: Int, capture: UInt64) -> QueryMessage.ExportFrame {
        let frame = frame(index)
        return QueryMessage.ExportFrame(
            capture: capture, frame: UInt64(index + 1), time: frame.timestamp,
            linkType: capture == 3 ? frame.linkType : 1,
            position: QueryMessage.StoredPosition(segment: "s", offset: UInt64(index), length: UInt32(frame.bytes.count + 16)))
    }

    /// The file the gateway must send for `capture`, encoded here in one go.
    static func expectedFile(capture: UInt64) -> [UInt8] {
        var encoder = CaptureFileEncoder(linkTypes: linkTypes(capture: capture).map { LinkType(rawValue: $0) })
        var bytes = encoder.take()
        for index in frames(capture: capture) {
            let frame = frame(index)
            encoder.append(linkType: LinkType(rawValue: capture == 3 ? frame.linkType : 1), timestamp: frame.timestamp,
                           wireLength: frame.bytes.count, frame: frame.bytes)
            bytes += encoder.take()
        }
        return bytes
    }

    static func answer(_ query: QueryMessage.Request) -> QueryMessage.Reply {
        switch query {
        case .search(.getExportPlan(.scope(.capture(let id)))):
            let captured = frames(capture: id).map { frame($0).bytes.count }
            let sizes = QueryMessage.FrameSizes(frames: UInt64(captured.count), capturedBytes: UInt64(captured.reduce(0, +)),
                                                paddedBytes: UInt64(captured.map { ($0 + 3) / 4 * 4 }.reduce(0, +)))
            return .search(.exportPlan(.init(linkTypes: linkTypes(capture: id), packets: UInt64(captured.count),
                                             fixedFrames: id == 2 ? nil : sizes)))
        case .search(.listExportFrames(.scope(.capture(let id)), let after, let limit)):
            return .search(.exportFrames(frames(capture: id).dropFirst(Int(after.frame)).prefix(limit)
                .map { exportFrame($0, capture: id) }))
        default:
            return .failed(message: "not faked: \(query)")
        }
    }

    /// Storage's records: pcap records of the frames at those positions (the offset is the frame's index).
    static func read(_ positions: [QueryMessage.StoredPosition]) -> StoredRecords {
        var encoder = CaptureFileEncoder(linkTypes: [.ethernet])
        _ = encoder.take()
        for position in positions {
            let frame = frame(Int(position.offset))
            encoder.append(linkType: .ethernet, timestamp: frame.timestamp, wireLength: frame.bytes.count, frame: frame.bytes)
        }
        return StoredRecords(count: positions.count, unreadable: [], bytes: encoder.take()[...])
    }

    static func backends(counting reads: Locked<Int> = Locked(0)) -> FakeBackends {
        FakeBackends(answer: answer) { positions in
            reads.update { $0 += positions.count }
            return read(positions)
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, range: String? = nil,
                    method: HTTPRequest.Method = .get) async throws -> TestResponse {
        var headers = FakeBackends.authorization
        if let range { headers[.range] = range }
        return try await client.execute(uri: uri, method: method, headers: headers)
    }

    @Test(arguments: [UInt64(1), 3])
    func aCompleteCaptureServesItsLengthAndRanges(capture: UInt64) async throws {
        let file = Self.expectedFile(capture: capture)
        let size = file.count
        let uri = "/api/v1/captures/\(capture)/pcap"
        try await Self.backends().test { client in
            let whole = try await Self.get(client, uri)
            #expect(whole.status == .ok && whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.contentLength] == "\(size)")
            #expect(Array(buffer: whole.body) == file)

            let parts: [(String, ClosedRange<Int>)] = [
                ("bytes=0-99", 0 ... 99), ("bytes=30-200", 30 ... 200), ("bytes=100-", 100 ... size - 1),
                ("bytes=-10", size - 10 ... size - 1), ("bytes=5-5", 5 ... 5), ("bytes=0-", 0 ... size - 1),
                ("bytes=\(size - 1)-\(size + 1000)", size - 1 ... size - 1), ("bytes=-\(size + 5)", 0 ... size - 1),
            ]
            for (header, range) in parts {
                let part = try await Self.get(client, uri, range: header)
                #expect(part.status == .partialContent, "\(header)")
                #expect(part.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/\(size)", "\(header)")
                #expect(part.headers[.contentLength] == "\(range.count)", "\(header)")
                #expect(Array(buffer: part.body) == Array(file[range]), "\(header)")
            }

            for header in ["bytes=\(size)-", "bytes=\(size)-\(size + 9)", "bytes=-0"] {
                let refused = try await Self.get(client, uri, range: header)
                #expect(refused.status == .rangeNotSatisfiable, "\(header)")
                #expect(refused.headers[.contentRange] == "bytes */\(size)", "\(header)")
            }
            for header in ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"] {
                let ignored = try await Self.get(client, uri, range: header)
                #expect(ignored.status == .ok && Array(buffer: ignored.body) == file, "\(header)")
            }

            let head = try await Self.get(client, uri, method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == "\(size)" && head.headers[.acceptRanges] == "bytes")
        }
    }

    /// A range near the end reads the first chunk (read before the answer
    /// starts) and the last, not those between.
    @Test func readsBeforeARangeArePassedOver() async throws {
        let file = Self.expectedFile(capture: 4)
        let reads = Locked(0)
        try await Self.backends(counting: reads).test { client in
            let tail = try await Self.get(client, "/api/v1/captures/4/pcap", range: "bytes=-50")
            #expect(tail.status == .partialContent && Array(buffer: tail.body) == Array(file.suffix(50)))
            let middle = try await Self.get(client, "/api/v1/captures/4/pcap", range: "bytes=600000-600099")
            #expect(Array(buffer: middle.body) == Array(file[600_000 ... 600_099]))
        }
        // The reads the gateway cuts capture 4 into, page by page, and where each starts in the file.
        var reads4: [(start: UInt64, frames: Int)] = []
        var offset: UInt64 = 24
        for page in stride(from: 0, to: 12_000, by: CaptureFiles.positionsPerPage) {
            var chunks = ExportChunks(page: (page ..< min(page + CaptureFiles.positionsPerPage, 12_000))
                .map { Self.exportFrame($0, capture: 4) })
            while let chunk = chunks.next() {
                reads4.append((offset, chunk.count))
                offset += ExportRead.encodedLength(of: chunk, pcapng: false)
            }
        }
        let first: Int = reads4.first?.frames ?? 0
        let last: Int = reads4.last?.frames ?? 0
        let holding600000: Int = reads4.last { $0.start <= 600_000 }?.frames ?? 0
        let expected: Int = (first + last) + (first + holding600000)
        #expect(reads4.count > 4 && reads.get() == expected, "frames read: \(reads.get()), expected \(expected)")
    }

    /// A running capture's bytes grow: no length, no ranges, the whole file.
    @Test func aRunningCaptureIsSentWhole() async throws {
        try await Self.backends().test { client in
            let response = try await Self.get(client, "/api/v1/captures/2/pcap", range: "bytes=0-9")
            #expect(response.status == .ok && response.headers[.acceptRanges] == "none")
            #expect(response.headers[.contentRange] == nil)
            #expect(Array(buffer: response.body) == Self.expectedFile(capture: 2))
        }
    }

    @Test func exportsServeRanges() async throws {
        let directory = NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let name = "netsift-search-1-a.pcap"
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        let uri = "/api/v1/exports/\(name)"
        try await FakeBackends(exports: ExportDirectory(path: directory), answer: Self.answer).test { client in
            let part = try await Self.get(client, uri, range: "bytes=131000-131099")
            #expect(part.status == .partialContent && Array(buffer: part.body) == Array(bytes[131_000 ... 131_099]))
            #expect(part.headers[.contentRange] == "bytes 131000-131099/300000")
            let tail = try await Self.get(client, uri, range: "bytes=-7")
            #expect(Array(buffer: tail.body) == Array(bytes.suffix(7)))
            let refused = try await Self.get(client, uri, range: "bytes=300000-")
            #expect(refused.status == .rangeNotSatisfiable)
            let head = try await Self.get(client, uri, method: .head)
            #expect(head.status == .ok && head.headers[.contentLength] == "300000" && head.body.readableBytes == 0)
        }
    }

    /// Every GET route answers HEAD: the GET's status and headers, no body.
    @Test func headAnswersAsGetWithoutTheBody() async throws {
        try await Self.backends().test { client in
            for uri in ["/api/v1/openapi.json", "/api/v1/info", "/api/v1/health", "/api/v1/captures/x/pcap"] {
                let get = try await Self.get(client, uri)
                let head = try await Self.get(client, uri, method: .head)
                #expect(head.status == get.status && head.body.readableBytes == 0, "\(uri)")
                #expect(head.headers[.contentLength] == "\(get.body.readableBytes)", "\(uri)")
            }
        }
    }

    @Test func byteRangesFollowRFC9110() {
        #expect(ByteRange(header: nil, size: 10) == .whole)
        #expect(ByteRange(header: " bytes=2-4 ", size: 10) == .part(2 ... 4))
        #expect(ByteRange(header: "bytes=2-", size: 10) == .part(2 ... 9))
        #expect(ByteRange(header: "bytes=-3", size: 10) == .part(7 ... 9))
        #expect(ByteRange(header: "bytes=0-99999999999999999999", size: 10) == .whole)
        #expect(ByteRange(header: "bytes=10-", size: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-1", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=+1-2", size: 10) == .whole)
        #expect(ByteRange(header: "bytes=1-2, 4-5", size: 10) == .whole)
    }

    @Test func theCutterKeepsOnlyTheRange() {
        var cutter = ByteRangeCutter(3 ... 7)
        let pieces: [[UInt8]] = [[0, 1], [2, 3, 4], [], [5, 6, 7, 8, 9], [10]]
        var out: [UInt8] = []
        for piece in pieces where !cutter.isDone {
            out += cutter.cut(piece[...]) ?? []
        }
        #expect(out == [3, 4, 5, 6, 7] && cutter.isDone)
    }
}
