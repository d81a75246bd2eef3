using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Commands;

/// <summary>The one grammar of <c>vsa-agent</c>: what the docs, <c>./vsa</c>, the systemd unit and the process tests run parses.</summary>
public sealed class AgentCommandLineTests
{
    // Every vsa-agent invocation the repository relies on (./vsa, docs/, README.md, the systemd unit, the process tests).
    // {detector} and {pose} stand for the prepared models' folders (--model-dir must be a model folder, with its manifest).
    public static TheoryData<string> Documented => new()
    {
        "run --config /etc/vsa-edge/agent.json",
        "analyze --source vtest.avi --camera camera.json --every 3 --providers CPU --start 2026-12-07T08:00:00Z --events-out events.jsonl",
        "analyze --source vtest.avi --camera camera.json --every 10 --providers CPU --publish mqtt://127.0.0.1:1883 --device-id replay-01 --development --events-out e.jsonl --data-dir agent",
        "analyze --source clip.avi --camera camera.json --detections-out d.jsonl --events-out e.jsonl --threads 2 --score 0.5 --model m --annotate debug.mp4 --pose-model p",
        "analyze --source vtest.avi --providers TensorRT,CUDA,CPU --every 100",
        "enrol --fleet https://fleet.example --token vsa_enrol_x --device-id pole-12 --data-dir /var/lib/vsa-edge",
        "provision check --config /etc/vsa-edge/agent.json --fleet https://fleet.example.org --json preflight.json --camera-seconds 3",
        "provision check",
        "provision selftest --config agent.json --installer Jeanne --no-prompt --seconds 2 --fleet http://127.0.0.1:5080/ --json selftest.json",
        "provision setup --camera parvis.json --bind eth0 --port 8443 --out parvis-final.json",
        "provision setup --camera camera.json --source vtest.avi --port 0 --data-dir data --out out.json --providers CPU",
        "model install --package v2.vsamodel --trust keys.pem --data-dir d --model-dir {detector} --pause-at verifying",
        "model install --kind pose --package v2.vsamodel --trust keys.pem --data-dir d --model-dir {pose}",
        "model status --data-dir d --model-dir {detector}",
        "model rollback --data-dir d --model-dir {detector} --reason why",
    };

    [Theory]
    [MemberData(nameof(Documented))]
    public void Parse_DocumentedInvocation_HasNoErrors(string line)
    {
        var result = AgentCommandLine.CreateForConsole().Parse(
            line.Replace("{detector}", TestAssets.NanoDetDirectory, StringComparison.Ordinal).Replace("{pose}", PoseOptions.DefaultModelDirectory, StringComparison.Ordinal).Split(' '));

        Assert.Empty(result.Errors.Select(e => e.Message));
    }

    [Fact]
    public async Task InvokeAsync_EqualsAndSpaceForms_BindTheSameArguments()
    {
        var spaced = await BindAnalyze("--source", "a.avi", "--every", "5", "--providers", "CPU", "--start", "2026-12-07T08:00:00Z");
        var joined = await BindAnalyze("--source=a.avi", "--every=5", "--providers=CPU", "--start=2026-12-07T08:00:00Z");

        Assert.Equal(spaced with { Providers = [] }, joined with { Providers = [] });
        Assert.Equal(["CPU"], joined.Providers);
        Assert.Equal(5, joined.Every);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero), joined.Start);
    }

    [Fact]
    public async Task InvokeAsync_AnalyzeWithOnlyItsSource_TakesTheDocumentedDefaults()
    {
        var a = await BindAnalyze("--source", "a.avi");

        Assert.Equal((1, 0, "local", AgentPaths.DefaultModelDirectory, AgentPaths.DefaultDataDirectory, PoseOptions.DefaultModelDirectory), (a.Every, a.Threads, a.DeviceId, a.ModelDirectory, a.DataDirectory, a.PoseModelDirectory));
        Assert.Equal(["TensorRT", "CUDA", "CPU"], a.Providers);
        Assert.Null(a.Score);
        Assert.Null(a.Publish);
    }

    [Theory]
    [InlineData("run --help", "--config")]
    [InlineData("analyze --help", "--pose-model")]
    [InlineData("enrol --help", "--device-id")]
    [InlineData("provision --help", "selftest")]
    [InlineData("provision check --help", "--camera-seconds")]
    [InlineData("provision selftest --help", "--no-prompt")]
    [InlineData("provision setup --help", "--bind")]
    [InlineData("model install --help", "--pause-at")]
    [InlineData("model rollback --help", "--reason")]
    [InlineData("--help", "provision")]
    public async Task InvokeAsync_Help_PrintsTheCommandsOptionsAndExitsZero(string line, string listed)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await AgentCommandLine.InvokeAsync(AgentCommandLine.CreateForConsole(), line.Split(' '), stdout, stderr);

        Assert.Equal(0, exit);
        Assert.Contains(listed, stdout.ToString(), StringComparison.Ordinal);
        Assert.Empty(stderr.ToString());
    }

    [Theory]
    [InlineData("run", "'--config'")]
    [InlineData("run --config", "'--config'")]
    [InlineData("analyze --source a.avi --every=0", "'--every'")]
    [InlineData("analyze --source a.avi --score 1.5", "'--score'")]
    [InlineData("analyze --source a.avi --start yesterday", "'--start'")]
    [InlineData("analyze --source a.avi --development", "'--development'")]
    [InlineData("analyze --source a.avi --publish mqtt://h:1 --development", "'--device-id'")]
    [InlineData("analyze --source a.avi --source b.avi", "'--source'")]
    [InlineData("enrol --fleet ftp://x --token t --device-id pole-1", "'--fleet'")]
    [InlineData("enrol --fleet http://x --token t --device-id Pole_1", "'--device-id'")]
    [InlineData("provision setup --camera c.json --port 70000", "'--port'")]
    [InlineData("model install --package p.vsamodel", "'--trust'")]
    [InlineData("model status --kind face", "'--kind'")]
    [InlineData("model status --reason x", "'--reason'")]
    [InlineData("model status --model-dir /nonexistent", "option '--model-dir' must be a model folder (with its manifest.json), not '/nonexistent' (no such folder)")]
    [InlineData("model install --package p.vsamodel --trust k.pem --model-dir /nonexistent", "'--model-dir'")]
    [InlineData("analyse --source a.avi", "'analyse'")]
    public async Task InvokeAsync_BadCommandLine_ExitTwoNamingTheOptionAndPointingToHelp(string line, string named)
    {
        using var stderr = new StringWriter();

        var exit = await AgentCommandLine.InvokeAsync(AgentCommandLine.CreateForConsole(), line.Split(' '), TextWriter.Null, stderr);

        Assert.Equal(2, exit);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(named, StringComparison.Ordinal));
        Assert.EndsWith("--help'", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_SuggestDirective_CompletesSubCommandNames()
    {
        using var stdout = new StringWriter();

        var exit = await AgentCommandLine.InvokeAsync(AgentCommandLine.CreateForConsole(), ["[suggest:14]", "vsa-agent prov"], stdout, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Contains("provision", stdout.ToString().Split('\n', StringSplitOptions.TrimEntries));
    }

    private static async Task<AnalyzeArguments> BindAnalyze(params string[] args)
    {
        AnalyzeArguments? bound = null;
        var command = AnalyzeArguments.Definition((a, _) =>
        {
            bound = a;
            return Task.FromResult(0);
        });

        var exit = await AgentCommandLine.InvokeOneAsync(command, args, TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exit);
        return Assert.IsType<AnalyzeArguments>(bound);
    }
}
