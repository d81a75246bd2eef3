using System.Globalization;
using Vsa.Edge.FleetManager.CommandLine;

namespace Vsa.Edge.FleetManager.Tests.CommandLine;

/// <summary>The service's arguments (configuration only) and configuration values the binder cannot read.</summary>
public sealed class ServiceArgumentsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-args-").FullName;

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:0", "--Fleet:Storage:DataDirectory", "data")]
    [InlineData("--URLS=http://127.0.0.1:0", "--environment", "Development", "--contentRoot=/srv/vsa")]
    [InlineData("Fleet:Broker:Port=1884", "/Fleet:Broker:Mode", "External", "--Logging:LogLevel:Default=Debug")]
    [InlineData("--http_ports", "8080", "--AllowedHosts", "*")]
    [InlineData("--Fleet=", "--applicationName=Vsa.Edge.FleetManager")]
    public void Problem_ConfigurationOnly_IsNone(params string[] args)
    {
        Assert.Null(ServiceArguments.Problem(args));
        Assert.False(FleetCommandLine.IsCommand(args));
    }

    [Theory]
    [InlineData("unrecognized option '--hlep'", "--hlep")]
    [InlineData("unrecognized option '--url'", "--url", "http://127.0.0.1:0")]
    [InlineData("unrecognized option '--=x'", "--=x")]
    [InlineData("unrecognized option '--verbose'", "--urls", "http://127.0.0.1:0", "--verbose", "x")]
    [InlineData("unrecognized option '-v'", "--Fleet:Broker:Port", "1884", "-v")]
    [InlineData("unrecognized option '--Fleet:'", "--Fleet:", "x")]
    [InlineData("unrecognized argument 'stray'", "--urls", "http://127.0.0.1:0", "stray")]
    [InlineData("option '--Fleet:Broker:Port' needs a value", "--Fleet:Broker:Port")]
    public async Task RunAsync_ServiceArgumentThatIsNotConfiguration_Exits2NamingItInsteadOfStartingTheService(string message, params string[] args)
    {
        Assert.True(FleetCommandLine.IsCommand(args));

        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: {message}", error, StringComparison.Ordinal);
        Assert.Contains("see 'vsa-fleet --help'", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("--Fleet:Storage:Provider=Oracle")]
    [InlineData("--provider", "Oracle")]
    public async Task AuditVerify_ProviderTheBinderCannotRead_Exits2NamingTheKeyWithoutAStackTrace(params string[] provider)
    {
        var (code, _, error) = await RunAsync(["audit", "verify", .. provider, "--Fleet:Storage:DataDirectory", _directory]);

        Assert.Equal(2, code);
        Assert.StartsWith("Invalid configuration: Failed to convert configuration value", error, StringComparison.Ordinal);
        Assert.Contains("'Fleet:Storage:Provider'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        await using var output = new StringWriter(CultureInfo.InvariantCulture);
        await using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await FleetCommandLine.RunAsync(args, TextReader.Null, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
