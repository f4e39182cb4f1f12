import Foundation
import Logging
import Testing
@testable import ServiceRuntime

@Suite struct JSONLogHandlerTests {
    /// 2023-11-14T22:13:20.500Z
    static let fixedTime = 1_700_000_000.5

    func makeLogger(level: Logger.Level = .info) -> (Logger, Locked<[String]>) {
        let lines = Locked<[String]>([])
        let handler = JSONLogHandler(service: "decoder", level: level,
                                     sink: LogSink { line in lines.mutate { $0.append(line) } },
                                     now: { Self.fixedTime })
        return (Logger(label: "test") { _ in handler }, lines)
    }

    @Test func writesOneJSONObjectPerLine() throws {
        var (logger, lines) = makeLogger()
        logger[metadataKey: "capture"] = "c-1"
        logger.info("batch committed", metadata: ["rows": "42", "msg": "clash"])
        let written = lines.current
        try #require(written.count == 1)
        #expect(written[0] == #"{"ts":"2023-11-14T22:13:20.500Z","level":"info","service":"decoder","msg":"batch committed","_msg":"clash","capture":"c-1","rows":"42"}"# + "\n")
    }

    @Test func escapesSoALineStaysOneLine() throws {
        let (logger, lines) = makeLogger()
        logger.warning("bad \"frame\"\nat\t\\offset \u{01}")
        let line = try #require(lines.current.first)
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["msg"] == "bad \"frame\"\nat\t\\offset \u{01}")
        #expect(object?["level"] == "warning")
    }

    @Test func dropsMessagesBelowItsLevel() {
        let (logger, lines) = makeLogger(level: .notice)
        logger.info("hidden")
        logger.error("shown", error: CancellationError())
        #expect(lines.current.count == 1)
        #expect(lines.current.first?.contains(#""error":"CancellationError()""#) == true)
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(LogTimestamp.format(secondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(LogTimestamp.format(secondsSince1970: 951_782_400.25) == "2000-02-29T00:00:00.250Z")
        #expect(LogTimestamp.format(secondsSince1970: -0.5) == "1969-12-31T23:59:59.500Z")
    }

    @Test func bootstrapTwiceIsSafe() {
        // Critical only, so other tests in this process stay quiet.
        ServiceLogging.bootstrap(service: "test", level: .critical)
        ServiceLogging.bootstrap(service: "test", level: .trace)
        #expect(Logger(label: "x").logLevel == .critical)
    }
}
