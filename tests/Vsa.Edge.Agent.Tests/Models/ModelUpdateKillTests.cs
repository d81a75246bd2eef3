using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// kill -9 of a real <c>vsa-agent run</c> at each step of a model update it receives as a fleet delivers it: a signed
/// desired state (retained) on a real MQTTnet broker the device reaches over mutual TLS with its enrolled certificate, and
/// the package fetched over HTTPS with that certificate from a real Kestrel server (<see cref="ModelFileServer"/>, the
/// fleet's delivery route), bandwidth-limited so the download can be caught half-way. One data folder, one agent started
/// again after each kill: downloading → verifying → validating → switching (after the commit) → a crash during the soak.
/// Every kill is triggered by the line the agent prints at that step; after each, the device runs a model whose files
/// check — the one expected at that step — and its retained <c>model/reported</c> says what the restart interrupted.
/// </summary>
public sealed class ModelUpdateKillTests(ModelPackagesFixture packages, ITestOutputHelper output) : IClassFixture<ModelPackagesFixture>, IAsyncLifetime
{
    private const string DeviceId = "pole-17";
    private const string ModelsDebug = "Logging__LogLevel__Vsa.Edge.Agent.Models";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(180);
    private static readonly Regex Loaded = new(@"Model (\S+) (\S+) loaded from (.+) \(SHA-256 verified\)", RegexOptions.CultureInvariant);
    private readonly string _work = Directory.CreateTempSubdirectory("vsa-model-kill-").FullName;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ModelFileServer _files = null!;
    private MutualTlsBroker _broker = null!;

    private string Data => Path.Combine(_work, "data");

    public async Task InitializeAsync()
    {
        _files = await ModelFileServer.StartAsync(Path.Combine(Data, "credentials"));
        _broker = await MutualTlsBroker.StartAsync(_files.Ca);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _files.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task RunAgent_KilledAtEachUpdateStep_RestartsOnAValidModelAndReportsWhatHappened()
    {
        var v2 = _files.Add(packages.V2, "2.0.0");
        await _broker.PublishDesiredAsync(Desired(v2));
        await using var reports = await RecordingSubscriber.ConnectAsync(_broker.PlainPort, Topics.ModelReported(DeviceId));
        var config = WriteConfig();
        var store = new ModelSlotStore(Path.Combine(Data, "models"), TestAssets.NanoDetDirectory);
        var journal = new ModelUpdateJournal(store.Root);
        var package = ModelDownloader.PackagePath(Path.Combine(store.Root, "downloads"), v2.Sha256);
        var factory = store.SlotDirectory(ModelSlotState.Factory);

        // 1. downloading: killed once a tenth of the package is on disk (the bandwidth limit holds the rest back).
        using (var agent = Start(config))
        {
            await Line(agent, @"^\s*Model package .* bytes on disk$", Guard);
            agent.KillHard();
            await AssertRunsAsync(agent, factory);
        }

        var left = new FileInfo(package + ".part").Length;
        Assert.InRange(left, 1, v2.Size - 1);
        Assert.Equal((ModelSlotState.Factory, ModelUpdateStates.Downloading), (store.Read().Active, journal.Read()!.Step));
        Mark($"killed while downloading: {left} of {v2.Size} bytes on disk");

        // 2. verifying: the download resumes at the byte on disk; killed on the agent's report that verification started.
        using (var agent = Start(config))
        {
            // The log line, not the retained report: a report not yet sent is superseded by the next one (never a line).
            var verifying = await Line(agent, @"^\s*Model nanodet-coco 2\.0\.0: Verifying (.*)$", Guard);
            agent.KillHard();
            await AssertRunsAsync(agent, factory);
            Assert.Equal($"restart: the agent stopped while downloading 2.0.0; the download resumes from byte {left} of {v2.Size}", verifying.Groups[1].Value.Trim());
            var resumed = await Line(agent, @"^\s*Model package .* downloaded: \d+ bytes, (\d+) received, resumed from (\d+)$", Guard);
            Assert.Equal((v2.Size - left, left), (long.Parse(resumed.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(resumed.Groups[2].Value, CultureInfo.InvariantCulture)));
        }

        Assert.True(File.Exists(package) && !File.Exists(package + ".part"), "the complete package is kept for the next try");
        var interrupted = AssertInterrupted(store, journal, ModelUpdateStates.Verifying);
        Mark($"killed while {interrupted}: the download had resumed from byte {left}");

        // 3. validating: verified again from the kept package; killed on the report that validation started.
        using (var agent = Start(config))
        {
            var validating = await Line(agent, @"^\s*Model nanodet-coco 2\.0\.0: Validating (.*)$", Guard);
            agent.KillHard();
            await AssertRunsAsync(agent, factory);
            Assert.StartsWith($"restart: the agent stopped while {interrupted} 2.0.0; ", validating.Groups[1].Value, StringComparison.Ordinal);
        }

        interrupted = AssertInterrupted(store, journal, ModelUpdateStates.Validating);
        Mark($"killed while {interrupted}");

        // 4. switching: killed on the line the agent prints right after the commit (state.json names the new slot; the
        // pipelines may or may not have switched yet).
        using (var agent = Start(config))
        {
            var validating = await Line(agent, @"^\s*Model nanodet-coco 2\.0\.0: Validating (.*)$", Guard);
            Assert.StartsWith($"restart: the agent stopped while {interrupted} 2.0.0; ", validating.Groups[1].Value, StringComparison.Ordinal);
            var validated = await Line(agent, @"^\s*Model nanodet-coco 2\.0\.0 validation passed=True: (.*)$", Guard);
            await Line(agent, @"^\s*Model nanodet-coco 2\.0\.0 committed: ", Guard);
            agent.KillHard();
            await AssertRunsAsync(agent, factory);
            Mark($"validated in the running agent (its camera running beside it): {validated.Groups[1].Value}");
        }

        var committed = store.Read();
        Assert.Equal(("a", "2.0.0", true, v2.Sha256, 0), (committed.Active, committed.ActiveVersion, committed.Soaking, committed.ActiveSha256, committed.StartsDuringSoak));
        Mark("killed after the commit");

        // 5. The new model runs from its slot after the restart, its package named; its soak goes on. Then it "crashes".
        var seen = reports.Received.Count;
        using (var agent = Start(config))
        {
            var slot = await SlotAsync(reports, seen, s => s.Update is { State: ModelUpdateState.Soaking });
            await AssertRunsAsync(agent, store.SlotDirectory("a"), "2.0.0");
            Assert.Equal(("2.0.0", v2.Sha256, v2.Sha256), (slot.ActiveVersion, slot.ActiveSha256, slot.Update!.Sha256));
            Assert.StartsWith("restart: the agent ", slot.Update.Reason, StringComparison.Ordinal);
            Assert.EndsWith("it runs 2.0.0 and its soak goes on (start 1 of 1 allowed)", slot.Update.Reason, StringComparison.Ordinal);
            await Line(agent, @"^\s*Model 2\.0\.0 soak resumed after a restart", Guard);
            agent.KillHard();
        }

        Mark("killed during the soak");

        // 6. A second start during the soak (1 allowed here): the model crashes the agent, rolled back at start, said why.
        seen = reports.Received.Count;
        using (var agent = Start(config))
        {
            var slot = await SlotAsync(reports, seen, s => s.Update is { State: ModelUpdateState.RolledBack });
            await AssertRunsAsync(agent, factory);
            Assert.Equal(("factory", (string?)null, "2.0.0", v2.Sha256), (slot.ActiveVersion, slot.ActiveSha256, slot.Update!.Version, slot.Update.Sha256));
            Assert.Equal("crash loop: the agent started 1 times during the soak of 2.0.0; back to factory", slot.Update.Reason);
            await Line(agent, @"^\s*Model 2\.0\.0 is not tried again", Guard);
        }

        var after = store.Read();
        Assert.Equal((ModelSlotState.Factory, false, ModelUpdateStates.RolledBack), (after.Active, after.Soaking, after.Last!.State));
        Assert.Null(journal.Read());
        Mark("rolled back to the factory model at the second start during the soak");
    }

    // The step the journal shows under way at the kill: the one signalled, or the next if the agent got there first.
    private static string AssertInterrupted(ModelSlotStore store, ModelUpdateJournal journal, string signalled)
    {
        var step = journal.Read()!.Step;
        Assert.Contains(step, new[] { signalled, signalled == ModelUpdateStates.Verifying ? ModelUpdateStates.Validating : "switching" });
        Assert.Equal((ModelSlotState.Factory, (string?)null), (store.Read().Active, store.Read().ActiveVersion));
        return step;
    }

    // The model the agent loaded at start (its first load line): from that folder, and its files checked.
    private static async Task AssertRunsAsync(AgentProcess agent, string directory, string? version = null)
    {
        var line = await Line(agent, Loaded.ToString(), Guard);
        Assert.StartsWith(Path.GetFullPath(directory), Path.GetFullPath(line.Groups[3].Value), StringComparison.Ordinal);
        if (version is not null)
        {
            Assert.Equal(version, line.Groups[2].Value);
        }

        _ = ModelPackage.Load(directory);
    }

    // An agent's line, or its whole output in the failure.
    private static async Task<Match> Line(AgentProcess agent, string pattern, TimeSpan guard)
    {
        try
        {
            return await agent.WaitForLineAsync(pattern, guard);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"no line /{pattern}/ from the agent; its output:\n{agent.Output}", ex);
        }
    }

    // The first report received after the first `seen` ones (those of the agents before) that matches.
    private static async Task<ModelSlotReport> SlotAsync(RecordingSubscriber reports, int seen, Func<ModelSlotReport, bool> match)
    {
        var before = reports.Received.Take(seen).ToHashSet();
        try
        {
            var m = await reports.WaitForAsync(m => !before.Contains(m) && Slot(m) is { } s && match(s), Guard);
            return Slot(m)!;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; reports: {string.Join(" | ", reports.Received.Select(r => r.Payload))}", ex);
        }
    }

    private static ModelSlotReport? Slot(ReceivedMessage m) =>
        JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.ModelReportedMessage)?.Models.SingleOrDefault(s => s.Kind == "detector");

    private static AgentProcess Start(string config) =>
        AgentProcess.Start(["run", "--config", config], new Dictionary<string, string>
        {
            ["Agent__TrustedSigningKeys__0"] = TestSigning.Fleet.PublicKeyPem,
            [ModelsDebug] = "Debug",
        });

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1} s: {what}");

    // A fleet-managed device: no camera file; its credentials as enrolment leaves them; 4 MB/s for downloads; a soak that
    // only the crash-loop rule can end here (no frame-rate gate, pipeline restarts tolerated — a machine loaded enough
    // restarts a stalled camera —, one start allowed, one hour).
    private string WriteConfig()
    {
        var config = new
        {
            Agent = new { DeviceId, Cameras = Array.Empty<string>(), DataDirectory = Data },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new
            {
                Host = "127.0.0.1",
                Port = _broker.TlsPort,
                CredentialsDirectory = Path.Combine(Data, "credentials"),
                ReconnectMinDelay = "00:00:00.100",
                ReconnectMaxDelay = "00:00:00.500",
            },
            Models = new
            {
                Download = new { BandwidthBytesPerSecond = 4_000_000 },
                Soak = new { ObserveInterval = "00:00:01", Duration = "01:00:00", MinFpsRatio = 0.0, MaxInferenceErrors = 1000, MaxStartsDuringSoak = 1 },
            },
        };
        var path = Path.Combine(_work, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private DesiredConfigMessage Desired(DesiredModel model)
    {
        var camera = JsonDocument.Parse($$"""
            {
              "cameraId": "vtest",
              "source": {{JsonSerializer.Serialize(TestAssets.DemoClip)}},
              "zones": [{ "id": "plaza", "polygon": [[0.30, 0.40], [0.80, 0.36], [0.98, 0.58], [0.98, 0.78], [0.60, 0.72], [0.30, 0.55]] }],
              "events": [{ "type": "intrusion", "zones": ["plaza"], "categories": ["person"], "minDurationSeconds": 2 }]
            }
            """).RootElement.Clone();
        var now = DateTimeOffset.UtcNow;
        return new DesiredConfigMessage(
            DesiredConfigMessage.SchemaId,
            DesiredConfigMessage.CurrentVersion,
            DeviceId,
            1,
            now,
            [camera],
            [new AuthorisationWindow("2026-DPG-0412", "Police municipale", ["intrusion"], ["vtest"], now.AddHours(-1), now.AddDays(1))],
            [model],
            [Convert.ToBase64String(packages.Signer.SubjectPublicKeyInfo)]);
    }
}
