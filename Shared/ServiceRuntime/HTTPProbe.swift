#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking HTTP/1.1 GET over a plain socket, for tests and
/// `netsift status`. One request per connection (`Connection: close`);
/// the body is delimited by Content-Length or by the end of the stream.
public enum HTTPProbe {
    /// Largest response accepted, so a wrong port cannot fill memory.
    static let maxResponseBytes = 16 << 20

    public static func get(host: String, port: Int, path: String,
                           timeout: Double) throws(HTTPProbeError) -> (status: Int, body: [UInt8]) {
        let deadline = monotonicSeconds() + timeout
        let socket = try openConnection(host: host, port: port, deadline: deadline)
        defer { close(socket) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
            + "Accept: */*\r\nUser-Agent: netsift-probe\r\n\r\n"
        try sendAll(Array(request.utf8), on: socket, deadline: deadline)
        let raw = try receiveAll(on: socket, deadline: deadline)
        return try HTTPResponseParser.parse(raw)
    }

    private static func openConnection(host: String, port: Int, deadline: Double) throws(HTTPProbeError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPProbeError(.resolve, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }

        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errnoText(); continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                return fd
            }
            guard errno == EINPROGRESS else { lastError = errnoText(); close(fd); continue }
            do {
                try waitUntilReady(for: Int16(POLLOUT), on: fd, deadline: deadline, doing: "connecting to \(host):\(port)")
            } catch {
                close(fd)
                throw error
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError == 0 { return fd }
            lastError = String(cString: strerror(soError))
            close(fd)
        }
        throw HTTPProbeError(.connect, "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func sendAll(_ bytes: [UInt8], on fd: Int32, deadline: Double) throws(HTTPProbeError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try waitUntilReady(for: Int16(POLLOUT), on: fd, deadline: deadline, doing: "sending the request")
            } else {
                throw HTTPProbeError(.io, "sending the request failed: \(errnoText())")
            }
        }
    }

    /// Reads until the peer closes or a complete Content-Length body is in.
    private static func receiveAll(on fd: Int32, deadline: Double) throws(HTTPProbeError) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                received.append(contentsOf: chunk[..<count])
                if received.count > maxResponseBytes {
                    throw HTTPProbeError(.malformedResponse, "response larger than \(maxResponseBytes) bytes")
                }
                if HTTPResponseParser.isComplete(received) { return received }
            } else if count == 0 {
                return received
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try waitUntilReady(for: Int16(POLLIN), on: fd, deadline: deadline, doing: "waiting for the response")
            } else {
                throw HTTPProbeError(.io, "reading the response failed: \(errnoText())")
            }
        }
    }

    private static func waitUntilReady(for events: Int16, on fd: Int32, deadline: Double,
                             doing what: String) throws(HTTPProbeError) {
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { throw HTTPProbeError(.timeout, "timed out \(what)") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining * 1000, Double(Int32.max)).rounded(.up)))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw HTTPProbeError(.io, "poll failed \(what): \(errnoText())")
            }
        }
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
