import Wire

extension Socket {
    public func send(_ envelope: Envelope, blocking: Bool = true) throws(SocketError) {
        try send(envelope.frames, blocking: blocking)
    }
}
