using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// An agent started again during a soak (after a kill, a crash, a power cut): the soak goes on from its recorded start
/// instead of staying "soaking" for ever (where the fleet's rollout gate, which waits for "active", would time out and two
/// more ordinary restarts would roll a good model back as a crash loop).
/// </summary>
public sealed class ModelSoakRestartTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-model-soak-restart-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task ExecuteAsync_StartedDuringASoak_ReportsTheRestartResumesTheSoakAndKeepsTheModelWhenItPasses()
    {
        var sha = new string('e', 64);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var soak = new SoakOptions { Duration = TimeSpan.FromMinutes(10), ObserveInterval = TimeSpan.FromSeconds(30) };
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);
        Directory.CreateDirectory(store.SlotDirectory("a"));
        foreach (var file in Directory.GetFiles(TestAssets.NanoDetDirectory))
        {
            File.Copy(file, Path.Combine(store.SlotDirectory("a"), Path.GetFileName(file)));
        }

        // Switched to 2.0.0 four minutes before the agent died; this is its first start since.
        store.Activate("a", "nanodet-coco", "2.0.0", time.GetUtcNow().AddMinutes(-4), sha);
        var (directory, _) = store.ResolveForStart(soak.MaxStartsDuringSoak, time.GetUtcNow());
        Assert.Equal(store.SlotDirectory("a"), directory);

        var inference = new InferenceOptions { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
        var logs = new RecordingLoggerProvider();
        using var loggers = logs.CreateFactory();
        using var switchboard = new ModelSwitchboard(DetectorModel.Load(inference with { ModelDirectory = directory }, NullLogger.Instance), store, soak, time, NullLogger.Instance);
        var setup = new ModelUpdateSetup("pole-17", "1.0.0", inference, soak, Path.Combine(_data, "models", "downloads"), new PipelineStatsRegistry(), () => 0);
        var service = new ModelUpdateService(setup, store, switchboard, new ModelSigningKeyStore(Path.Combine(_data, "keys.pem")), null, null, time, loggers.CreateLogger<ModelUpdateService>());
        await service.StartAsync(CancellationToken.None);
        await logs.WaitForAsync(e => e.EventId == 13403, Guard); // the previous model is loaded again: the soak is watched

        var first = service.LastReport!.Models[0];
        Assert.Equal(("2.0.0", sha, ModelUpdateState.Soaking), (first.ActiveVersion, first.ActiveSha256, first.Update!.State));
        Assert.Equal("restart: the agent restarted during the soak of 2.0.0; it runs 2.0.0 and its soak goes on (start 1 of 2 allowed)", first.Update.Reason);
        Assert.True(switchboard.Soaking);

        // Six minutes later the ten minutes since the switch are over: kept, reported active, no longer soaking on disk.
        await Task.Run(() => time.Advance(TimeSpan.FromMinutes(6)));
        await logs.WaitForAsync(e => e.EventId == 12420 && e.Message.Contains("2.0.0: Active", StringComparison.Ordinal), Guard);
        Assert.False(store.Read().Soaking);
        Assert.Equal((ModelUpdateState.Active, sha), (service.LastReport!.Models[0].Update!.State, service.LastReport.Models[0].ActiveSha256));
        await service.StopAsync(CancellationToken.None);
        Assert.Empty(logs.Errors);
    }
}
