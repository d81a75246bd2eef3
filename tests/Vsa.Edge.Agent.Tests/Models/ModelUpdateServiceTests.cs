using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// The running agent's model updates end to end in one process: real signed packages fetched from a real Kestrel HTTPS
/// server over mTLS, validated on this machine, switched into a real camera pipeline running the demo clip, soaked on the
/// pipeline's live frame rate and rolled back by the device itself; one pipeline serves every step.
/// </summary>
public sealed class ModelUpdateServiceTests(ModelPackagesFixture packages, ITestOutputHelper output) : IClassFixture<ModelPackagesFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-model-update-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<ModelUpdateReport> _reports = new();
    private readonly SemaphoreSlim _reported = new(0);
    private readonly SemaphoreSlim _observed = new(0);
    private long _observedTicks;
    private ModelFileServer _server = null!;

    public async Task InitializeAsync() => _server = await ModelFileServer.StartAsync(Path.Combine(_data, "credentials"));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Desire_V2ThenScrambledV3ThenSlowV4ThenFactory_SwitchesRefusesRollsBackAndReturnsWithoutLosingAFrame()
    {
        var inference = new InferenceOptions { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);
        var soak = new SoakOptions { Duration = TimeSpan.FromMinutes(10), MinFpsRatio = 0.8, ObserveInterval = Interval };
        using var factory = DetectorModel.Load(inference, NullLogger.Instance);
        using var switchboard = new ModelSwitchboard(factory, store, soak, _time, NullLogger.Instance);
        using var credentials = DeviceCredentials.Load(new MqttOptions { CredentialsDirectory = _server.CredentialsDirectory })!;
        using var http = ModelDownloadClient.Create(credentials);
        var registry = new PipelineStatsRegistry();
        var stats = new PipelineStats("cam", TimeProvider.System);
        registry.Register(stats);
        var keys = new ModelSigningKeyStore(Path.Combine(_data, "credentials", ModelSigningKeyStore.FileName));
        var setup = new ModelUpdateSetup("pole-17", "1.0.0", inference, soak, Path.Combine(_data, "models", "downloads"), registry, () => 0);
        var logs = new RecordingLoggerProvider();
        using var loggers = logs.CreateFactory();
        var service = new ModelUpdateService(setup, store, switchboard, keys, new ModelDownloader(http, new ModelDownloadOptions(), _time, NullLogger.Instance), null, _time, loggers.CreateLogger<ModelUpdateService>());
        service.Reported += (_, r) =>
        {
            if (r.Models[0].Update is { } update)
            {
                _reports.Enqueue(update);
                _reported.Release();
            }
        };
        service.Observed += (_, _) =>
        {
            Interlocked.Exchange(ref _observedTicks, _time.GetUtcNow().UtcTicks);
            _observed.Release();
        };
        using var source = new LoopingClipSource(8);
        var sink = new IndexSink();
        var pipeline = new CameraPipeline("cam", source, switchboard.Attach(), new ByteTracker(new TrackerOptions()), null, sink, new PipelineOptions { Replay = true }, stats, TimeProvider.System, NullLogger.Instance);
        switchboard.Register(pipeline);
        var run = pipeline.RunAsync(CancellationToken.None);
        await service.StartAsync(CancellationToken.None);

        // v2: keys from the desired state, download over mTLS, verify, validate, switch, soak passes.
        var v2 = _server.Add(packages.V2, "2.0.0");
        service.Desire([v2], [Convert.ToBase64String(packages.Signer.SubjectPublicKeyInfo)]);
        var soaking = await WaitFor("2.0.0", ModelUpdateState.Soaking);
        Assert.Equal("2.0.0", switchboard.Current.Manifest.Version);
        Assert.Same(switchboard.Current, pipeline.Detector.Model);
        Assert.Equal([ModelUpdateState.Downloading, ModelUpdateState.Verifying, ModelUpdateState.Validating, ModelUpdateState.Soaking], Drain().Select(r => r.State));
        var f = soaking.Figures!;
        Assert.Equal(new FileInfo(packages.V2).Length, f.BytesDownloaded);
        Assert.Equal((0L, 0L), (f.BytesResumedFrom, f.FramesLost));
        Assert.True(f.ValidationMsPerFrame > 0 && f.SessionLoadMs > 0, "validation figures reported");
        var v2Model = switchboard.Current;
        await Tick(TimeSpan.FromMinutes(10));
        Assert.Equal(ModelUpdateState.Active, (await WaitFor("2.0.0", ModelUpdateState.Active)).State);
        Assert.False(store.Read().Soaking);

        // v3: weights scrambled: fails validation on this device, never serves a frame, says why.
        service.Desire([_server.Add(packages.V3Scrambled, "3.0.0")], null);
        var failed = await WaitFor("3.0.0", ModelUpdateState.Failed);
        Assert.StartsWith("validation-failed: ", failed.Reason, StringComparison.Ordinal);
        Assert.Same(v2Model, pipeline.Detector.Model);

        // v4: a genuine model (NanoDet converted at 640 × 640) whose soak sees the frame rate fall below the gate: rolled
        // back by the device to v2. Its real cost against the gate is SlowModelSoakTests'; here the clock makes the rate.
        await Tick(Interval); // the baseline: frames since the v2 soak ended, over one interval
        service.Desire([_server.Add(packages.V4, "4.0.0", ModelPackagesFixture.V4Id)], null);
        await WaitFor("4.0.0", ModelUpdateState.Soaking);
        Assert.NotSame(v2Model, pipeline.Detector.Model);
        for (var i = 0; i < 6 && !_reports.Any(r => r.Version == "4.0.0" && r.State == ModelUpdateState.RolledBack); i++)
        {
            await Tick(Interval);
        }

        var rolledBack = await WaitFor("4.0.0", ModelUpdateState.RolledBack);
        Assert.StartsWith("soak: frame rate ", rolledBack.Reason, StringComparison.Ordinal);
        Assert.Same(v2Model, pipeline.Detector.Model);
        Assert.Equal(("a", "2.0.0"), (store.Read().Active, store.Read().ActiveVersion));
        Assert.Equal(v2.Sha256, service.LastReport!.Models[0].ActiveSha256); // the package that runs again is named
        output.WriteLine(logs.Entries.First(e => e.EventId == 12422).Message);

        // Back to the installed model when the fleet asks for version 'factory'.
        service.Desire([new DesiredModel("detector", "nanodet-coco", DesiredModel.FactoryVersion, "", 0, "")], null);
        await WaitFor(DesiredModel.FactoryVersion, ModelUpdateState.Active);
        Assert.Equal(ModelSlotState.Factory, store.Read().Active);
        Assert.Equal(factory.Manifest.Sha256, pipeline.Detector.Model.Manifest.Sha256);
        Assert.Equal(DesiredModel.FactoryVersion, service.LastReport!.Models[0].ActiveVersion);

        source.Stop();
        await run.WaitAsync(Guard);
        await service.StopAsync(CancellationToken.None);
        output.WriteLine($"v2: {f.BytesDownloaded} bytes, load {f.SessionLoadMs:0} ms, validation {f.ValidationMsPerFrame:0.0} ms/frame ({f.ValidationFps:0.0}/s), frames lost {f.FramesLost}; frames processed {stats.FramesProcessed}, dropped {stats.FramesDropped}");
        Assert.Equal(Enumerable.Range(0, sink.Frames.Count).Select(i => (long)i), sink.Frames);
        Assert.Equal(0, stats.FramesDropped);
    }

    private List<ModelUpdateReport> Drain()
    {
        var list = new List<ModelUpdateReport>();
        while (_reports.TryDequeue(out var r))
        {
            list.Add(r);
        }

        return list;
    }

    // Reports stay queued for later assertions; waits on the service's own signals, never on time.
    private async Task<ModelUpdateReport> WaitFor(string version, ModelUpdateState state)
    {
        while (true)
        {
            if (_reports.LastOrDefault(r => r.Version == version && r.State == state) is { } found)
            {
                return found;
            }

            Assert.True(await _reported.WaitAsync(Guard), $"no report {version} {state}; got {string.Join(", ", _reports.Select(r => $"{r.Version} {r.State} {r.Reason}"))}");
        }
    }

    // Moves the clock and waits until the service observed the pipelines at (or after) the new time.
    private async Task Tick(TimeSpan by)
    {
        var target = _time.GetUtcNow() + by;
        await Task.Run(() => _time.Advance(by));
        while (Interlocked.Read(ref _observedTicks) < target.UtcTicks)
        {
            Assert.True(await _observed.WaitAsync(Guard), $"no observation at {target:O}");
        }
    }

    // The first frames of the demo clip served in a loop at about 10 frames per second until stopped, each with its own index.
    private sealed class LoopingClipSource : IFrameSource
    {
        private readonly List<Mat> _frames = [];
        private long _next;
        private volatile bool _stopped;

        public LoopingClipSource(int frames)
        {
            using var capture = new VideoCapture(TestAssets.DemoClip);
            for (var i = 0; i < frames; i++)
            {
                var mat = new Mat();
                Assert.True(capture.Read(mat));
                _frames.Add(mat);
            }
        }

        public FrameSourceSpec Spec { get; } = FrameSourceSpec.Parse("clip.avi");

        public double Fps => 10;

        public int FrameCount => 0;

        public int Width => _frames[0].Cols;

        public int Height => _frames[0].Rows;

        public void Stop() => _stopped = true;

        public bool TryRead(VideoFrame frame)
        {
            if (_stopped)
            {
                return false;
            }

            Thread.Sleep(100); // a camera's pace
            _frames[(int)(_next % _frames.Count)].CopyTo(frame.Image);
            frame.Stamp(_next, DateTimeOffset.UnixEpoch.AddSeconds(_next / Fps));
            _next++;
            return true;
        }

        public bool TrySkip() => true;

        public void Dispose()
        {
            foreach (var f in _frames)
            {
                f.Dispose();
            }
        }
    }

    private sealed class IndexSink : IPipelineSink
    {
        public List<long> Frames { get; } = [];

        public void OnFrame(in FrameResult frame) => Frames.Add(frame.FrameIndex);

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
