using Vsa.Edge.Testing;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The load generator's burst options as the real command: a count out of its bounds or an unknown storage is a usage error
/// naming the option (it used to run at the bound, or fail later on a storage it does not know), before anything starts.
/// </summary>
public sealed class LoadGenCommandLineTests
{
    [Theory]
    [InlineData("option '--devices' must be an integer in [1, 2000], not '5000'", "--devices", "5000")]
    [InlineData("option '--alerts' must be an integer in [1, 10000], not '0'", "--alerts=0")]
    [InlineData("option '--in-flight' must be an integer in [1, 100], not '101'", "--in-flight", "101")]
    [InlineData("option '--warmup' must be an integer in [0, 10000], not '-1'", "--warmup=-1")]
    [InlineData("option '--timeout-seconds' must be an integer in [1, 1800], not '3600'", "--timeout-seconds", "3600")]
    [InlineData("option '--storage' must be sqlite, postgres or sqlite,postgres, not 'mysql'", "--storage", "mysql")]
    [InlineData("option '--storage' must be sqlite, postgres or sqlite,postgres, not 'sqlite,sqlite'", "--storage", "sqlite,sqlite")]
    public async Task Burst_OptionOutOfBoundsOrUnknownStorage_Exits2NamingItBeforeStarting(string message, params string[] args)
    {
        await using var loadgen = ChildProcess.StartBuiltTool("vsa-fleet-loadgen", args);

        var exit = await loadgen.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains($"error: {message}", loadgen.Output, StringComparison.Ordinal);
        Assert.Contains("see 'vsa-fleet-loadgen --help'", loadgen.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("load test", loadgen.Output, StringComparison.Ordinal);
    }
}
