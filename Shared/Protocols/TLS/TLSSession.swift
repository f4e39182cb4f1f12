/// One TCP connection's TLS handshake. Both directions run through a
/// record reader; handshake messages fill one transaction, emitted when
/// both sides have switched to encrypted records (the handshake is done),
/// at a fatal alert, when a ClientHello waited `transactionTimeout` for a
/// ServerHello, or at finish. After that the connection's bytes are only
/// counted.
public struct TLSSession: ProtocolSession {
    private var toServer = TLSRecordReader()
    private var toClient = TLSRecordReader()
    private var transaction = TLSTransaction()
    /// Which direction carries the client's bytes; learnt from the hellos
    /// (a capture that starts late may have the roles reversed).
    private var clientDirection = Direction.toServer
    /// Directions that switched to encrypted records (bit 0 to the server, bit 1 to the client).
    private var encrypted: UInt8 = 0
    private var keyExchangeSeen = false
    private var started = false
    private var emitted = false
    /// Packetbeat's `transaction_timeout`, in packet time (ns).
    public let transactionTimeout: Int64

    public init(transactionTimeout: Int64 = 10_000_000_000) {
        self.transactionTimeout = transactionTimeout
    }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64) -> [TLSTransaction] {
        let expired = expire(now: time)
        guard expired.isEmpty, !emitted else { return expired }
        mark(time)
        let events = direction == .toServer ? toServer.receive(bytes) : toClient.receive(bytes)
        for event in events { handle(event, from: direction) }
        return emitIfDone(time)
    }

    public mutating func gap(_ length: Int, direction: Direction, time: Int64) -> [TLSTransaction] {
        let expired = expire(now: time)
        guard expired.isEmpty, !emitted else { return expired }
        mark(time)
        let events = direction == .toServer ? toServer.gap(length) : toClient.gap(length)
        for event in events { handle(event, from: direction) }
        return []
    }

    public mutating func finish(time: Int64) -> [TLSTransaction] {
        guard !emitted, hasContent else { return [] }
        return emit(time)
    }

    /// A ClientHello no ServerHello answered within `transactionTimeout` of
    /// the handshake's start: the handshake is reported as it stands.
    public mutating func expire(now: Int64) -> [TLSTransaction] {
        guard let deadline = expiryDeadline, now >= deadline else { return [] }
        return emit(transaction.end)
    }

    public var expiryDeadline: Int64? {
        guard !emitted, transaction.serverHello == nil,
              transaction.clientHello != nil || transaction.sslv2ClientHello != nil else { return nil }
        return transaction.start.deadline(after: transactionTimeout)
    }

    private var hasContent: Bool {
        transaction.clientHello != nil || transaction.serverHello != nil || transaction.sslv2ClientHello != nil
            || !transaction.serverCertificates.isEmpty || !transaction.alerts.isEmpty || !transaction.anomalies.isEmpty
    }

    private mutating func mark(_ time: Int64) {
        if !started {
            started = true
            transaction.start = time
        }
        transaction.end = time
    }

    private mutating func handle(_ event: TLSRecordEvent, from direction: Direction) {
        switch event {
        case .handshake(let type, let body):
            body.withUnsafeBytes { handshake(type, $0, from: direction) }
        case .changeCipherSpec:
            if transaction.serverHello?.version.isTLS13Family != true { encrypted |= direction == .toServer ? 1 : 2 }
        case .applicationData:
            encrypted |= direction == .toServer ? 1 : 2
        case .alert(let level, let description):
            transaction.alerts.append(TLSAlert(level: level, description: description,
                                               fromServer: direction != clientDirection))
        case .sslv2ClientHello(let version):
            clientDirection = direction
            transaction.sslv2ClientHello = version
            transaction.flag(.sslv2ClientHello)
        case .anomaly(let anomaly):
            transaction.flag(anomaly)
        }
    }

    private mutating func handshake(_ type: UInt8, _ body: UnsafeRawBufferPointer, from direction: Direction) {
        switch type {
        case 1: // ClientHello
            clientDirection = direction
            guard transaction.clientHello == nil else {
                if !transaction.helloRetryRequest { transaction.flag(.repeatedClientHello) }
                return
            }
            do { transaction.clientHello = try TLSClientHello.parse(body) } catch { transaction.flag(.malformedClientHello) }
        case 2: // ServerHello or HelloRetryRequest
            clientDirection = direction.reversed
            do {
                let hello = try TLSServerHello.parse(body)
                if hello.isHelloRetryRequest { transaction.helloRetryRequest = true }
                transaction.serverHello = hello
                if hello.version.isTLS13Family {
                    transaction.certificatesEncrypted = true
                    // In TLS 1.3 a ChangeCipherSpec is a compatibility no-op:
                    // a second ClientHello after it is still plaintext.
                    toServer.changeCipherSpecEncrypts = false
                    toClient.changeCipherSpecEncrypts = false
                }
            } catch {
                transaction.flag(.malformedServerHello)
            }
        case 11: // Certificate
            do {
                let (ders, skipped) = try TLSCertificateMessage.parse(body)
                let infos = ders.map(TLSCertificateCache.shared.info(der:))
                if infos.contains(where: { !$0.parsed }) { transaction.flag(.unparseableCertificate) }
                if skipped > 0 { transaction.flag(.tooManyCertificates) }
                if direction == clientDirection { transaction.clientCertificates = infos } else {
                    transaction.serverCertificates = infos
                }
            } catch {
                transaction.flag(.malformedCertificateMessage)
            }
        case 12, 16: // ServerKeyExchange, ClientKeyExchange: a full (not resumed) handshake
            keyExchangeSeen = true
        case 13: // CertificateRequest
            if direction != clientDirection { transaction.clientCertificateRequested = true }
        default:
            break
        }
    }

    private mutating func emitIfDone(_ time: Int64) -> [TLSTransaction] {
        let fatal = transaction.alerts.contains(where: \.isFatal)
        guard encrypted == 3 || fatal, hasContent else { return [] }
        return emit(time)
    }

    private mutating func emit(_ time: Int64) -> [TLSTransaction] {
        emitted = true
        var done = transaction
        done.end = time
        let fatal = done.alerts.contains(where: \.isFatal)
        done.established = encrypted == 3 && done.serverHello != nil && !fatal
        done.resumed = done.established && Self.resumed(done, keyExchangeSeen: keyExchangeSeen)
        done.droppedBytes = toServer.droppedBytes + toClient.droppedBytes
        transaction = TLSTransaction()
        return [done]
    }

    /// TLS 1.3: the server accepted a PSK. Earlier: no key exchange and the
    /// server echoed the session id or the client offered a ticket (the two
    /// cannot be told apart from outside, as Packetbeat notes).
    private static func resumed(_ t: TLSTransaction, keyExchangeSeen: Bool) -> Bool {
        guard let server = t.serverHello, let client = t.clientHello else { return false }
        if server.version.isTLS13Family { return server.extensions.contains(TLSExtension.preSharedKey) }
        let sessionMatch = !client.sessionID.isEmpty && client.sessionID == server.sessionID
        return !keyExchangeSeen && t.serverCertificates.isEmpty
            && (sessionMatch || (client.offersSessionTicket && server.extensions.contains(TLSExtension.sessionTicket)))
    }
}
