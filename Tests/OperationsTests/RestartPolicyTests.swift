import Operations
import Testing

struct RestartPolicyTests {
    @Test func waitsDoubleWhileFailingAndStartOverAfterAHealthyRun() {
        var policy = RestartPolicy(healthyPeriod: .seconds(10))
        let loop = (0 ..< 7).map { _ in policy.exited(after: .milliseconds(200)) }
        #expect(loop == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        // Up for a healthy while, then one crash: the short wait again.
        #expect(policy.exited(after: .seconds(11)) == .seconds(1))
        #expect(policy.exited(after: .seconds(1)) == .seconds(2))
    }

    @Test func aLaunchFailureWaitsLongerEachTime() {
        var policy = RestartPolicy()
        #expect(policy.launchFailed() == .seconds(1))
        #expect(policy.launchFailed() == .seconds(2))
        #expect(policy.exited(after: .seconds(60)) == .seconds(1))
    }
}
