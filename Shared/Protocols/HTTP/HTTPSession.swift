/// One connection's HTTP/1.x: requests from the client direction, responses
/// from the server direction, paired in order (pipelining included).
/// A transaction is emitted when its response ends; `finish` emits what is
/// left. A gap inside a body is skipped (counted into the body's size). A
/// gap anywhere else, or a malformed message, ends parsing of that
/// direction (counted; the head a gap cuts is reported as far as it goes):
/// the other direction is framed on its own and goes on, so responses
/// still pair with the requests seen before. A request unanswered for
/// `transactionTimeout` is emitted then; the response that may still come
/// for it is reported alone, not paired with the next request.
public struct HTTPSession: ProtocolSession {
    public struct Counters: Sendable, Hashable {
        public var requests = 0
        public var responses = 0
        /// 1xx responses other than 101, which precede the final one.
        public var informationalResponses = 0
        public var gapsSkipped = 0
        /// Requests emitted unanswered because the pipelining limit was reached.
        public var droppedRequests = 0
        /// Requests emitted unanswered because `transactionTimeout` passed.
        public var expiredRequests = 0
        /// Bytes after a tunnel started or parsing stopped.
        public var ignoredBytes = 0
        public var abandoned = false

        public init() {}
    }

    public let limits: HTTPLimits
    /// Packetbeat's `transaction_timeout`, in packet time (ns).
    public let transactionTimeout: Int64
    public let raw: HTTPRawKeeping
    public private(set) var counters = Counters()
    /// Why parsing of the connection stopped, when it did.
    public private(set) var failure: ParseError?

    private var requestSide = Side()
    private var responseSide = Side()
    /// Requests awaiting their responses, oldest first. When the request
    /// side is in a body, it is the last one's.
    private var pending: [HTTPRequest] = []
    /// The request whose body is being read was already emitted (its response came first).
    private var openRequestEmitted = false
    private var response: HTTPResponse?
    /// Expired requests whose responses, if they come, are reported alone.
    private var expiredAwaiting = 0

    public init(limits: HTTPLimits = HTTPLimits(), transactionTimeout: Int64 = 10_000_000_000,
                raw: HTTPRawKeeping = HTTPRawKeeping()) {
        self.limits = limits
        self.transactionTimeout = transactionTimeout
        self.raw = raw
    }

    private struct Side {
        enum Phase {
            case head
            case body(HTTPBodyReader)
            case tunnel

            var isTunnel: Bool { if case .tunnel = self { true } else { false } }
        }
        var phase = Phase.head
        var headBuffer: [UInt8] = []
        var decoder: HTTPContentDecoder?
        var decodable = false
        /// Parsing of this direction stopped.
        var failed = false
        /// Body bytes still to keep in the current message's `raw`.
        var rawRoom = 0
    }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64) -> [HTTPTransaction] {
        var out = expire(now: time)
        var offset = 0
        while offset < bytes.count {
            guard !read(direction, { $0.failed }) else { counters.ignoredBytes += bytes.count - offset; break }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            do {
                switch read(direction, { $0.phase }) {
                case .tunnel:
                    counters.ignoredBytes += rest.count
                    return out
                case .head:
                    offset += try consumeHead(rest, direction: direction, time: time, into: &out)
                case .body(var reader):
                    let decoder = read(direction, { $0.decoder })
                    let room = read(direction, { $0.rawRoom })
                    var kept: [UInt8] = []
                    let taken = try reader.consume(rest) { content in
                        decoder?.feed(content)
                        if kept.count < room { kept += content.prefix(room - kept.count) }
                    }
                    self[direction].phase = .body(reader)
                    if !kept.isEmpty { keepRaw(kept, direction: direction) }
                    offset += taken
                    if reader.isDone { endBody(reader, direction: direction, time: time, into: &out) }
                }
            } catch {
                if case .body = read(direction, { $0.phase }) { mark(.bodyTruncated, direction: direction) }
                abandon(error, direction: direction)
            }
        }
        return out
    }

    public mutating func gap(_ length: Int, direction: Direction, time: Int64) -> [HTTPTransaction] {
        var out = expire(now: time)
        guard !read(direction, { $0.failed }) else { return out }
        switch read(direction, { $0.phase }) {
        case .tunnel:
            break
        case .head:
            salvageHead(direction: direction, time: time, into: &out)
            abandon(ParseError(.truncated, at: 0, "gap of \(length) bytes where a message head was expected"), direction: direction)
        case .body(var reader):
            guard reader.gap(length) else {
                mark(.bodyTruncated, direction: direction)
                abandon(ParseError(.truncated, at: 0, "gap of \(length) bytes loses the body's framing"), direction: direction)
                return out
            }
            counters.gapsSkipped += 1
            self[direction].phase = .body(reader)
            self[direction].decoder = nil
            self[direction].decodable = false
            mark(.gapInBody, direction: direction)
            if reader.isDone { endBody(reader, direction: direction, time: time, into: &out) }
        }
        return out
    }

    public mutating func finish(time: Int64) -> [HTTPTransaction] {
        var out: [HTTPTransaction] = []
        if case .body(let reader) = requestSide.phase {
            mark(.bodyTruncated, direction: .toServer)
            endBody(reader, direction: .toServer, time: time, into: &out)
        }
        if case .body(let reader) = responseSide.phase {
            if !reader.runsUntilClose && !responseSide.failed { mark(.bodyTruncated, direction: .toClient) }
            endBody(reader, direction: .toClient, time: time, into: &out)
        }
        requestSide.phase = .head
        responseSide.phase = .head
        while !pending.isEmpty {
            let request = pending.removeFirst()
            out.append(transaction(request, nil, notes: .unanswered, end: time))
        }
        return out
    }

    /// Requests unanswered for longer than `transactionTimeout` after their
    /// last byte, oldest first; not the one a response is being read for,
    /// nor one whose body is still arriving.
    public mutating func expire(now: Int64) -> [HTTPTransaction] {
        var out: [HTTPTransaction] = []
        while let deadline = expiryDeadline, now >= deadline {
            let first = pending.removeFirst()
            expiredAwaiting += 1
            counters.expiredRequests += 1
            out.append(transaction(first, nil, notes: .unanswered, end: now))
        }
        return out
    }

    public var expiryDeadline: Int64? {
        guard response == nil, !pending.isEmpty, pending.count > 1 || !requestBodyOpen else { return nil }
        return pending[0].endTime.deadline(after: transactionTimeout)
    }

    /// The last pending request's body is being read.
    private var requestBodyOpen: Bool {
        if case .body = requestSide.phase { !openRequestEmitted } else { false }
    }

    // MARK: Heads

    /// Parses a head from the buffered bytes plus `rest`; returns how many of `rest` it took.
    private mutating func consumeHead(_ rest: UnsafeRawBufferPointer, direction: Direction, time: Int64,
                                      into out: inout [HTTPTransaction]) throws(ParseError) -> Int {
        if read(direction, { $0.headBuffer.isEmpty }) {
            guard let head = try HTTPHeadParser.parse(rest, limits: limits) else {
                self[direction].headBuffer.append(contentsOf: rest)
                return rest.count
            }
            try handle(head, in: rest, direction: direction, time: time, into: &out)
            return head.length
        }
        let before = self[direction].headBuffer.count
        let room = max(0, limits.maxHeadBytes + 1 - before)
        self[direction].headBuffer.append(contentsOf: rest.prefix(room))
        var buffer = self[direction].headBuffer
        self[direction].headBuffer = []
        let outcome = buffer.withUnsafeBytes { bytes -> Result<Int, ParseError> in
            do throws(ParseError) {
                guard let head = try HTTPHeadParser.parse(bytes, limits: limits) else { return .success(-1) }
                try handle(head, in: bytes, direction: direction, time: time, into: &out)
                return .success(max(0, head.length - before))
            } catch {
                return .failure(error)
            }
        }
        let taken = try outcome.get()
        if taken < 0 {
            self[direction].headBuffer = buffer
            return rest.count
        }
        buffer.removeAll()
        return taken
    }

    private mutating func handle(_ head: HTTPHead, in bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64,
                                 into out: inout [HTTPTransaction]) throws(ParseError) {
        let fields = HTTPHeadFields(head, in: bytes)
        let version = head.versionMajor < 0 ? "" : "\(head.versionMajor).\(head.versionMinor)"
        switch (head.startLine, direction) {
        case (.request(let method, let target), .toServer):
            var request = HTTPRequest()
            request.method = HTTPText.string(bytes, method)
            request.target = HTTPText.string(bytes, target)
            request.message.fill(from: fields)
            request.fill(from: fields)
            request.version = version
            request.time = time
            request.endTime = time
            request.headBytes = head.length
            request.anomalies.formUnion(head.anomalies)
            if raw.requests { request.raw = HTTPRawMessage.head(head, in: bytes, limit: raw.maxBytes) }
            var framing = HTTPBodyFraming.none
            if let chunked = fields.chunkedIsFinal {
                if chunked { framing = .chunked } else { request.anomalies.insert(.unknownTransferEncoding) }
                if !fields.contentLengths.isEmpty { request.anomalies.insert(.transferEncodingWithContentLength) }
            } else if case .some(let length) = fields.declaredLength(&request.anomalies), let length {
                framing = .length(length)
            }
            if pending.count >= limits.maxPendingRequests {
                counters.droppedRequests += 1
                out.append(transaction(pending.removeFirst(), nil, notes: .unanswered, end: time))
            }
            counters.requests += 1
            keepBody(of: request.message, direction: .toServer)
            pending.append(request)
            openRequestEmitted = false
            startBody(framing, contentEncoding: request.contentEncoding, direction: .toServer, time: time, into: &out)
        case (.response(let status, let reason), .toClient):
            if status < 200 && status != 101 {
                counters.informationalResponses += 1
                return
            }
            var response = HTTPResponse()
            response.statusCode = status
            response.statusPhrase = HTTPText.string(bytes, reason)
            response.message.fill(from: fields)
            response.location = fields.values[.location]
            response.server = fields.values[.server]
            response.setsCookie = fields.values[.setCookie] != nil
            response.version = version
            response.time = time
            response.endTime = time
            response.headBytes = head.length
            response.anomalies = head.anomalies
            if raw.responses { response.raw = HTTPRawMessage.head(head, in: bytes, limit: raw.maxBytes) }
            // After an expired request, the request this answers is not known.
            let method = expiredAwaiting > 0 ? nil : pending.first?.method.uppercased()
            var framing = HTTPBodyFraming.untilClose
            if status == 101 || (method == "CONNECT" && status < 300) {
                framing = .tunnel
            } else if method == "HEAD" || status == 204 || status == 304 {
                framing = .none
            } else if let chunked = fields.chunkedIsFinal {
                framing = chunked ? .chunked : .untilClose
                if !chunked { response.anomalies.insert(.unknownTransferEncoding) }
                if !fields.contentLengths.isEmpty { response.anomalies.insert(.transferEncodingWithContentLength) }
            } else if case .some(let length) = fields.declaredLength(&response.anomalies), let length {
                framing = .length(length)
            }
            counters.responses += 1
            keepBody(of: response.message, direction: .toClient)
            self.response = response
            startBody(framing, contentEncoding: response.contentEncoding, direction: .toClient, time: time, into: &out)
        case (.request, .toClient), (.response, .toServer):
            throw ParseError(.malformed, at: 0, head.isRequest ? "a request from the server side" : "a response from the client side")
        }
    }

    // MARK: Bodies

    private mutating func startBody(_ framing: HTTPBodyFraming, contentEncoding: String?, direction: Direction,
                                    time: Int64, into out: inout [HTTPTransaction]) {
        let reader = HTTPBodyReader(framing, limits: limits)
        if framing == .tunnel {
            requestSide.phase = .tunnel
            responseSide.phase = .tunnel
            endBody(reader, direction: direction, time: time, into: &out)
            return
        }
        let coding = contentEncoding.flatMap(HTTPContentDecoder.coding(for:))
        self[direction].decodable = coding != nil
        self[direction].decoder = nil
        if reader.isDone {
            endBody(reader, direction: direction, time: time, into: &out)
        } else {
            self[direction].decoder = coding.map { HTTPContentDecoder($0, limit: limits.maxDecodedBytes) }
            self[direction].phase = .body(reader)
        }
    }

    private mutating func endBody(_ reader: HTTPBodyReader, direction: Direction, time: Int64,
                                  into out: inout [HTTPTransaction]) {
        var size = HTTPBodySize()
        size.bytes = reader.contentBytes
        size.wireBytes = reader.wireBytes
        var anomalies: HTTPAnomalies = []
        if read(direction, { $0.decodable }) {
            switch read(direction, { $0.decoder?.outcome }) {
            case .finished?, .running?: size.decodedBytes = read(direction, { $0.decoder?.decodedBytes })
            case .failed?: anomalies.insert(.decodingFailed)
            case .limitExceeded?: anomalies.insert(.decodedLimitExceeded)
            case nil: if reader.contentBytes == 0 { size.decodedBytes = 0 }
            }
        }
        self[direction].decoder = nil
        self[direction].decodable = false
        self[direction].rawRoom = 0
        if case .body = self[direction].phase { self[direction].phase = .head }

        if direction == .toServer {
            guard !openRequestEmitted, !pending.isEmpty else { return }
            pending[pending.count - 1].body = size
            pending[pending.count - 1].endTime = time
            pending[pending.count - 1].anomalies.formUnion(anomalies)
            return
        }
        guard var response else { return }
        self.response = nil
        response.body = size
        response.endTime = time
        response.anomalies.formUnion(anomalies)
        var notes: HTTPTransaction.Notes = requestSide.phase.isTunnel ? .tunnel : []
        if counters.abandoned { notes.insert(.connectionAbandoned) }
        if expiredAwaiting > 0 {
            expiredAwaiting -= 1
            out.append(transaction(nil, response, notes: notes.union(.lateResponse), end: time))
            return
        }
        guard !pending.isEmpty else {
            out.append(transaction(nil, response, notes: notes.union(.noRequest), end: time))
            return
        }
        var request = pending.removeFirst()
        if pending.isEmpty, case .body(let open) = requestSide.phase, !openRequestEmitted {
            // The response ended before the request's body: report the body so far.
            request.body.bytes = open.contentBytes
            request.body.wireBytes = open.wireBytes
            openRequestEmitted = true
        }
        out.append(transaction(request, response, notes: notes, end: time))
    }

    /// How much of the body to keep after the head in `raw`: text bodies, up to the bound.
    private mutating func keepBody(of message: HTTPMessageInfo, direction: Direction) {
        guard let head = message.raw,
              HTTPRawMessage.bodyIsText(contentType: message.contentType, contentEncoding: message.contentEncoding)
        else { self[direction].rawRoom = 0; return }
        self[direction].rawRoom = max(0, raw.maxBytes - head.count)
    }

    private mutating func keepRaw(_ bytes: [UInt8], direction: Direction) {
        self[direction].rawRoom -= bytes.count
        if direction == .toClient {
            response?.raw?.append(contentsOf: bytes)
        } else if !openRequestEmitted, !pending.isEmpty {
            pending[pending.count - 1].raw?.append(contentsOf: bytes)
        }
    }

    private mutating func mark(_ anomaly: HTTPAnomalies, direction: Direction) {
        if direction == .toClient {
            response?.anomalies.insert(anomaly)
        } else if !openRequestEmitted, !pending.isEmpty {
            pending[pending.count - 1].anomalies.insert(anomaly)
        }
    }

    /// A gap cut the head being received: report what arrived of it, its body cut short.
    private mutating func salvageHead(direction: Direction, time: Int64, into out: inout [HTTPTransaction]) {
        var buffer = self[direction].headBuffer
        self[direction].headBuffer = []
        guard !buffer.isEmpty else { return }
        let salvaged = buffer.withUnsafeBytes { bytes -> Bool in
            guard let head = try? HTTPHeadParser.parse(bytes, limits: limits, partial: true) else { return false }
            return (try? handle(head, in: bytes, direction: direction, time: time, into: &out)) != nil
        }
        buffer.removeAll()
        guard salvaged, case .body(let reader) = self[direction].phase else { return }
        mark(.bodyTruncated, direction: direction)
        endBody(reader, direction: direction, time: time, into: &out)
    }

    private mutating func abandon(_ error: ParseError, direction: Direction) {
        self[direction].failed = true
        counters.abandoned = true
        if failure == nil { failure = error }
    }

    private func transaction(_ request: HTTPRequest?, _ response: HTTPResponse?, notes: HTTPTransaction.Notes,
                             end: Int64) -> HTTPTransaction {
        var notes = notes
        if counters.abandoned { notes.insert(.connectionAbandoned) }
        let start = request?.time ?? response?.time ?? end
        return HTTPTransaction(request: request, response: response, notes: notes, start: start, end: max(end, start))
    }

    /// One field of a side, read in place (the subscript's getter copies the whole side).
    private func read<T>(_ direction: Direction, _ field: (borrowing Side) -> T) -> T {
        direction == .toServer ? field(requestSide) : field(responseSide)
    }

    /// In place (`_modify`), so appending to a side's head buffer does not copy it.
    private subscript(direction: Direction) -> Side {
        get { direction == .toServer ? requestSide : responseSide }
        _modify {
            if direction == .toServer { yield &requestSide } else { yield &responseSide }
        }
    }
}

extension HTTPRequest {
    mutating func fill(from fields: HTTPHeadFields) {
        host = fields.values[.host]
        userAgent = fields.values[.userAgent]
        referrer = fields.values[.referer]
        if let cookie = fields.values[.cookie] {
            hasCookie = true
            cookieNames = cookie.split(separator: ";").compactMap { pair in
                let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingSpaces
                return name?.isEmpty == false ? name : nil
            }
        }
        if let authorization = fields.values[.authorization] ?? fields.values[.proxyAuthorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            authorizationType = parts.first.map { $0.lowercased() }
            if authorizationType == "basic" {
                if let user = parts.count == 2 ? HTTPBasicCredentials.user(base64: parts[1].trimmingSpaces) : nil {
                    basicUser = user
                } else {
                    message.anomalies.insert(.invalidAuthorization)
                }
            }
        }
    }
}
