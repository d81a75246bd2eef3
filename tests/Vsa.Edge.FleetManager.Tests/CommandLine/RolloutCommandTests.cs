using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.Rollouts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Rollouts;

namespace Vsa.Edge.FleetManager.Tests.CommandLine;

/// <summary>
/// <c>vsa-fleet rollouts …</c> against a real fleet manager (the rollout bench: real database and driver, scripted model
/// ports), signed in as an administrator with the password on standard input: start with a named canary, show, promote,
/// abort, list; refusals, a wrong password and usage errors with their exit codes.
/// </summary>
public sealed class RolloutCommandTests
{
    private static readonly string[] Devices = ["pole-00", "pole-01", "pole-02"];

    [Fact]
    public async Task Run_StartPromoteAbortList_DrivesTheFleetsApiAsTheAdministrator()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Devices);
        var admin = await bench.Fleet.CreateAccountAsync(Role.Admin, "cli-admin");

        var start = await RunAsync(bench, admin.Name, ["start", "--package", ScriptedModelPorts.NewSha, "--devices", "pole-00,pole-01,pole-02", "--canary", "pole-02", "--waves", "100", "--soak-minutes", "5"]);
        var canarySent = bench.Ports.Assignments.Select(a => a.DeviceId).ToArray();
        var show = await RunAsync(bench, admin.Name, ["show", "1"]);
        var promote = await RunAsync(bench, admin.Name, ["promote", "1", "--reason", "checked by hand"]);
        var abort = await RunAsync(bench, admin.Name, ["abort", "1", "--reason", "enough"]);
        var list = await RunAsync(bench, admin.Name, ["list"]);
        var again = await RunAsync(bench, admin.Name, ["resume", "1"]);
        var audit = await bench.Admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);

        Assert.Equal(0, start.Exit);
        Assert.StartsWith("Rollout #1: running, stage 1/2 canary", start.Output, StringComparison.Ordinal);
        Assert.Contains("pole-02\tstage 0\tpending", start.Output, StringComparison.Ordinal);
        Assert.Equal(["pole-02"], canarySent);
        Assert.Equal(0, show.Exit);
        Assert.Contains("Gates: soak 5 min", show.Output, StringComparison.Ordinal);
        Assert.Equal((0, 0), (promote.Exit, abort.Exit));
        Assert.StartsWith("Rollout #1: aborted", abort.Output, StringComparison.Ordinal);
        Assert.Equal(["pole-02", "pole-00", "pole-01"], bench.Ports.Assignments.Take(3).Select(a => a.DeviceId));
        Assert.Equal((0, true), (list.Exit, list.Output.StartsWith("#1\taborted\t", StringComparison.Ordinal)));
        Assert.Equal(1, again.Exit);
        Assert.StartsWith("Refused (409): Not possible in this state", again.Error, StringComparison.Ordinal);
        var promoted = Assert.Single(audit!, e => e.Action == RolloutService.PromoteAction);
        Assert.Equal(("cli-admin", "checked by hand"), (promoted.Actor, (string?)JsonNode.Parse(promoted.Details)!["reason"]));
    }

    [Fact]
    public async Task Run_RefusedWrongPasswordOrUsage_SaysWhyWithItsExitCode()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Devices[..2]);
        var admin = await bench.Fleet.CreateAccountAsync(Role.Admin, "cli-admin");
        var auditor = await bench.Fleet.CreateAccountAsync(Role.Auditor, "cli-auditor");

        var outside = await RunAsync(bench, admin.Name, ["start", "--package", ScriptedModelPorts.NewSha, "--devices", "pole-00,pole-01", "--canary", "pole-09"]);
        var invalid = await RunAsync(bench, admin.Name, ["start", "--package", "nope", "--all"]);
        var wrongPassword = await RunAsync(bench, admin.Name, ["list"], password: "not it");
        var notAdmin = await RunAsync(bench, auditor.Name, ["list"]);
        var noFleet = await RolloutCommandsRunAsync(["rollouts", "list", "--name", "x", "--password-stdin"], bench);
        var notANumber = await RunAsync(bench, admin.Name, ["start", "--package", ScriptedModelPorts.NewSha, "--all", "--soak-minutes", "ten"]);
        var noId = await RunAsync(bench, admin.Name, ["abort"]);
        var clearText = await RolloutCommandsRunAsync(["rollouts", "list", "--fleet", "http://fleet.example.org", "--name", admin.Name, "--password-stdin"], bench);

        Assert.Equal(1, outside.Exit);
        Assert.Contains("pole-09: named as canary but not in the target devices:pole-00,pole-01.", outside.Error, StringComparison.Ordinal);
        Assert.Empty(bench.Ports.Assignments);
        Assert.Equal(1, invalid.Exit);
        Assert.Contains("package must be the SHA-256 of an uploaded package", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(2, wrongPassword.Exit);
        Assert.StartsWith("Sign-in as cli-admin refused", wrongPassword.Error, StringComparison.Ordinal);
        Assert.Equal(2, notAdmin.Exit);
        Assert.StartsWith("Refused (403)", notAdmin.Error, StringComparison.Ordinal);
        Assert.Equal(2, noFleet.Exit);
        Assert.StartsWith("error: Option '--fleet' is required.", noFleet.Error, StringComparison.Ordinal);
        Assert.Equal(2, notANumber.Exit);
        Assert.StartsWith("error: option '--soak-minutes' must be a number (e.g. 0.25), not 'ten'", notANumber.Error, StringComparison.Ordinal);
        Assert.Equal(2, noId.Exit);
        Assert.Contains("see '", noId.Error, StringComparison.Ordinal);
        Assert.Contains(" rollouts abort --help'", noId.Error, StringComparison.Ordinal);
        Assert.Equal(2, clearText.Exit);
        Assert.Contains("error: option '--fleet' http://fleet.example.org: plain http is accepted on this machine's loopback only", clearText.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EqualsForm_SameAsSpaceSeparated()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Devices[..2]);
        var admin = await bench.Fleet.CreateAccountAsync(Role.Admin, "cli-admin");

        var start = await RolloutCommandsRunAsync(
            ["rollouts", "start", $"--package={ScriptedModelPorts.NewSha}", "--devices=pole-00,pole-01", "--canary=pole-01", "--waves=100", "--soak-minutes=5",
             "--fleet=http://localhost", $"--name={admin.Name}", "--password-stdin"], bench);

        Assert.True(start.Exit == 0, start.Error);
        Assert.Contains("pole-01\tstage 0\tpending", start.Output, StringComparison.Ordinal);
        Assert.Contains("Gates: soak 5 min", start.Output, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Output, string Error)> RunAsync(RolloutBench bench, string name, string[] args, string password = FleetApp.Password) =>
        RolloutCommandsRunAsync(["rollouts", .. args, "--fleet", "http://localhost", "--name", name, "--password-stdin"], bench, password);

    private static async Task<(int Exit, string Output, string Error)> RolloutCommandsRunAsync(string[] args, RolloutBench bench, string password = FleetApp.Password)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await FleetCommandLine.RunAsync(args, new FleetConsole(new StringReader(password + "\n"), output, error, _ => bench.Fleet.CreateClient()), CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }
}
