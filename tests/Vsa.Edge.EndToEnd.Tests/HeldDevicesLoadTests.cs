using System.Globalization;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The small version of the load generator's held-devices scenario (fleet-manager/Vsa.Edge.LoadGen, <c>--held</c>), run as
/// the real command: 200 devices held for 8 s on Mosquitto (fleet in External mode) or on the fleet's embedded broker, the
/// fleet, the broker and the devices as separate processes on loopback. It asserts what must hold at any size — every device
/// connected and still connected, every acknowledged heartbeat stored (or counted as coalesced), online statuses stored,
/// the last wills of the dropped devices applied and nobody else's, every alert stored — never a speed.
/// </summary>
public sealed class HeldDevicesLoadTests(ITestOutputHelper output)
{
    private const int Devices = 200;
    private const int Dropped = 5;

    [Theory]
    [InlineData("mosquitto")]
    [InlineData("embedded")]
    public async Task HeldDevices_200DevicesOnBroker_AllHeldEveryHeartbeatStoredLastWillsApplied(string broker)
    {
        await using var loadgen = ChildProcess.StartBuiltTool("vsa-fleet-loadgen",
            ["--held", $"{Devices}", "--hold", "8", "--heartbeat-seconds", "3", "--drop", $"{Dropped}", "--alert-rate", "5", "--broker", broker, "--timeout-seconds", "60"]);
        var exit = await loadgen.WaitForExitAsync(TimeSpan.FromMinutes(4));
        output.WriteLine(loadgen.Output);

        var line = loadgen.Output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        var result = line["RESULT ".Length..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        long Figure(string name) => long.Parse(result[name], CultureInfo.InvariantCulture);

        Assert.Equal(broker, result["broker"]);
        Assert.Equal(Devices, Figure("connected"));
        Assert.Equal(Devices, Figure("held"));
        // 8 s at one heartbeat every 3 s: at least two from each device, every one acknowledged and accounted for.
        Assert.True(Figure("heartbeats_sent") >= 2 * Devices, line);
        Assert.Equal(0, Figure("heartbeats_failed"));
        Assert.Equal(Figure("heartbeats_sent"), Figure("heartbeat_rows") + Figure("coalesced"));
        Assert.Equal(0, Figure("lost"));
        Assert.Equal(Devices, Figure("online"));
        Assert.Equal(Dropped, Figure("dropped_offline"));
        Assert.Equal(Dropped, Figure("offline"));
        Assert.True(Figure("alerts_published") > 0, line);
        Assert.Equal(Figure("alerts_published"), Figure("alerts_stored"));
        Assert.True(Figure("fleet_rss_mib") > 0, line);
        Assert.Equal(0, exit);
    }
}
