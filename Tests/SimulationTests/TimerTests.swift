import ChatCore
import ParleySimulation
import Testing

@Suite("A session's one timer, as the simulator reads it")
struct TimerTests {
    /// One client, one account, a short login deadline.
    func world() -> World<ProductionActors> {
        var limits = Limits.standard
        limits.loginDeadline = .seconds(2)
        return World(setup: WorldSetup(clients: 1, accounts: ["u1"], roomNames: ["den"], limits: LimitSetup(limits)))
    }

    @Test("a wake that is requested and then withdrawn never fires")
    func withdrawnWakeNeverFires() {
        var world = world()
        let connection = ConnectionName(client: 1, number: 1)
        #expect(world.apply(.connect(client: 1)) == .applied)
        // Not logged in: the login deadline's wake is wanted, and once its time has come it can fire.
        #expect(world.apply(.advanceClock(milliseconds: 2_000)) == .applied)
        var probe = world
        #expect(probe.apply(.tick(connection)) == .applied)

        // Logged in before the deadline: the session withdraws the wake.
        world = self.world()
        #expect(world.apply(.connect(client: 1)) == .applied)
        #expect(world.apply(.type(client: 1, line: "/login u1 <password>")) == .applied)
        world.settle()
        #expect(world.violation == nil)
        #expect(world.apply(.advanceClock(milliseconds: 60_000)) == .applied)
        #expect(world.apply(.tick(connection)) != .applied)
    }
}
