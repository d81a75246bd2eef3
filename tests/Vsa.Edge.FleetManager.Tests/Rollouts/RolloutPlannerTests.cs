using Vsa.Edge.FleetManager.Rollouts;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>How a target is split into the canary and the waves.</summary>
public sealed class RolloutPlannerTests
{
    [Theory]
    [InlineData(10, 1, null, new[] { 1, 0, 4, 5 })]
    [InlineData(200, null, 2.0, new[] { 4, 16, 80, 100 })]
    [InlineData(1, 1, null, new[] { 1 })]
    public void Split_CanaryAndDefaultWaves_CumulativeSharesRoundedUpEmptyWavesLeftOut(int devices, int? canaryDevices, double? canaryPercent, int[] expected)
    {
        var options = new RolloutOptions();
        Assert.True(RolloutPlanner.TryValidate(new RolloutRequest(new string('a', 64), All: true, CanaryDevices: canaryDevices, CanaryPercent: canaryPercent), options, out var valid, out _));
        var ids = Enumerable.Range(0, devices).Select(i => $"d{i:000}").Reverse().ToArray();

        var (stages, assigned) = RolloutPlanner.Split(ids, valid);

        Assert.Equal(expected.Where(n => n > 0), stages.Select(s => s.Devices));
        Assert.Equal(devices, assigned.Count);
        Assert.Equal("d000", assigned[0].DeviceId);
        Assert.Equal(assigned.OrderBy(a => a.Stage).ThenBy(a => a.DeviceId, StringComparer.Ordinal), assigned);
    }

    [Fact]
    public void Split_CanaryNamedByTheAdministrator_ComesFirstWhateverItsId()
    {
        var options = new RolloutOptions();
        Assert.True(RolloutPlanner.TryValidate(new RolloutRequest(new string('a', 64), All: true, Canary: ["d007", "d003"], Waves: [50, 100]), options, out var valid, out _));
        var ids = Enumerable.Range(0, 10).Select(i => $"d{i:000}").ToArray();

        var (stages, assigned) = RolloutPlanner.Split(ids, valid);

        Assert.Equal([2, 3, 5], stages.Select(s => s.Devices));
        Assert.Equal(["d003", "d007"], assigned.Where(a => a.Stage == 0).Select(a => a.DeviceId));
        Assert.Equal(["d000", "d001", "d002"], assigned.Where(a => a.Stage == 1).Select(a => a.DeviceId));
        Assert.Null(valid.CanaryDevices);
    }

    [Theory]
    [InlineData(new[] { "d001" }, 2, null, "canary")]
    [InlineData(new string[0], null, null, "canary")]
    [InlineData(new[] { "d001", "d001" }, null, null, "canary")]
    [InlineData(new[] { "d001" }, null, 10.0, "canary")]
    public void TryValidate_NamedCanaryWithACountTwiceOrEmpty_Refused(string[] canary, int? count, double? percent, string field)
    {
        var ok = RolloutPlanner.TryValidate(new RolloutRequest(new string('a', 64), All: true, Canary: canary, CanaryDevices: count, CanaryPercent: percent), new RolloutOptions(), out _, out var errors);

        Assert.False(ok);
        Assert.Equal([field], errors.Keys);
    }
}
