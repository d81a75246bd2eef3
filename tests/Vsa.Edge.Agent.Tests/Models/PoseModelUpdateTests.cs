using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// Pose models follow the detector's path on the device: real MoveNet packages verified and validated on the CPU provider
/// against the keypoints packed with them, their own slots, and a switch of the pose pass in a running pipeline on the
/// demo clip between two frames, then a rollback after a failed soak.
/// </summary>
public sealed class PoseModelUpdateTests(PosePackagesFixture packages, ITestOutputHelper output) : IClassFixture<PosePackagesFixture>, IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private static readonly InferenceOptions Inference = new() { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-pose-slots-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void Install_GenuinePosePackage_ReproducesThePackedKeypointsAndActivatesThePoseSlot()
    {
        var store = Store();

        var result = Installer(store).Install(packages.V2);

        Assert.True(result.Activated, result.Reason);
        using var model = result.Pose;
        Assert.NotNull(model);
        Assert.Null(result.Model);
        Assert.InRange(result.Validation!.Expected, 1, 3);
        Assert.Equal(result.Validation.Expected, result.Validation.Matched);
        output.WriteLine($"pose validation: {result.Validation.Matched}/{result.Validation.Expected} crops, {result.Validation.MillisecondsPerFrame:0.0} ms/crop on CPU, session {result.Validation.LoadTime.TotalMilliseconds:0} ms");
        var state = store.Read();
        Assert.Equal(("a", "movenet-lightning", "2.0.0", ModelSlotState.Factory, true), (state.Active, state.ActiveId, state.ActiveVersion, state.Previous, state.Soaking));
        Assert.Equal("movenet-lightning", model!.Package.Manifest.Id);
        Assert.Equal(model.Package.Manifest.Sha256, ModelPackage.Load(store.SlotDirectory("a")).Manifest.Sha256);
    }

    [Fact]
    public void Install_ScrambledPoseWeights_FailsValidationAndIsNeverActivated()
    {
        var store = Store();

        var result = Installer(store).Install(packages.V3Scrambled);

        Assert.False(result.Activated);
        Assert.Null(result.Loaded);
        Assert.StartsWith("validation-failed: ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("packed poses not reproduced", result.Reason, StringComparison.Ordinal);
        output.WriteLine(result.Reason);
        var state = store.Read();
        Assert.Equal(ModelSlotState.Factory, state.Active);
        Assert.Equal(("3.0.0", ModelUpdateStates.Failed), (state.Last!.Version, state.Last.State));
        Assert.Equal(PosePackagesFixture.MoveNetDirectory, store.ResolveForStart(2, _time.GetUtcNow(), countStart: false).Directory);
    }

    [Fact]
    public void Install_PosePackageIntoTheDetectorSlots_RefusedAsAnotherKind()
    {
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);

        var result = new ModelInstaller(store, packages.Trusted, Inference, _time, NullLogger.Instance, "1.0.0").Install(packages.V2);

        Assert.False(result.Activated);
        Assert.Equal("malformed: movenet-lightning 2.0.0 is a pose model, it cannot replace the detector model", result.Reason);
        Assert.Equal(ModelSlotState.Factory, store.Read().Active);
        Assert.False(Directory.Exists(store.SlotDirectory("a")), "a refused package leaves no slot behind");
    }

    [Fact]
    public async Task SwitchAsync_PoseModelInARunningPipeline_SwitchesBetweenTwoFramesAndRollsBackWithoutLosingAFrame()
    {
        const int Frames = 24;
        var store = Store();
        var installed = Installer(store).Install(packages.V2);
        Assert.True(installed.Activated, installed.Reason);
        using var candidate = installed.Pose!;

        // Every confirmed person is a candidate at every frame, so each model really runs while it serves.
        var pose = new PoseOptions { ModelDirectory = PosePackagesFixture.MoveNetDirectory, CandidateAspect = 0.1, MinInterval = TimeSpan.Zero };
        using var switchboard = new PoseSwitchboard(PosePackagesFixture.MoveNetDirectory, pose, ["CPU"], store, new SoakOptions { MinFpsRatio = 0.8 }, _time, NullLogger.Instance);
        var initial = switchboard.Current;
        using var detectorModel = DetectorModel.Load(Inference, NullLogger.Instance);
        using var detector = detectorModel.CreateDetector();
        using var analysis = new FrameAnalysis(null, initial.CreateEstimator(), pose, FrameAnalysis.PersonClasses(detectorModel.Manifest), null, null);
        switchboard.Register(analysis);
        using var source = new ModelSwitchTests.GatedClipSource(Frames, 12, 18);
        var sink = new ModelSwitchTests.CountingSink(signalAt: 6);
        var stats = new PipelineStats("cam", TimeProvider.System);
        var pipeline = new CameraPipeline("cam", source, detector, new ByteTracker(new TrackerOptions()), null, sink, new PipelineOptions { Replay = true }, stats, TimeProvider.System, NullLogger.Instance)
        {
            Analysis = analysis,
        };
        var run = pipeline.RunAsync(CancellationToken.None);

        await sink.Signalled.WaitAsync(Guard);
        var switching = switchboard.SwitchAsync(candidate, baselineFps: 10, CancellationToken.None);
        source.Open(0);
        var switchedAt = Assert.Single(await switching.WaitAsync(Guard));
        var servedBySwitch = analysis.PoseModel;
        var runsAtSwitch = analysis.PoseModelRuns;
        _time.Advance(TimeSpan.FromSeconds(30));
        var first = await switchboard.ObserveAsync(fps: 3, inferenceErrors: 0, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        var observing = switchboard.ObserveAsync(fps: 3, inferenceErrors: 0, CancellationToken.None);
        source.Open(1);
        var second = await observing.WaitAsync(Guard);
        await run.WaitAsync(Guard);

        output.WriteLine($"pose switched after frame {switchedAt}; rollback took {second.RollbackTime.TotalMilliseconds:0.0} ms; pose runs {analysis.PoseModelRuns} ({runsAtSwitch} before the switch); frames read {source.Read}, processed {stats.FramesProcessed}, dropped {stats.FramesDropped}");
        Assert.InRange(switchedAt, 5, 12);
        Assert.Same(candidate, servedBySwitch);
        Assert.True(analysis.PoseModelRuns > runsAtSwitch, "the pose pass ran on after the switch");
        Assert.Equal((SoakVerdict.Continue, SoakVerdict.Failed), (first.Verdict, second.Verdict));
        Assert.Contains("frame rate 3.0/s below 0.80 × the previous model's 10.0/s", second.Reason, StringComparison.Ordinal);
        Assert.Same(initial, analysis.PoseModel);
        Assert.Same(initial, switchboard.Current);
        Assert.Equal(Enumerable.Range(0, Frames).Select(i => (long)i), sink.Frames);
        Assert.Equal(0, stats.FramesDropped);
        var state = store.Read();
        Assert.Equal((ModelSlotState.Factory, ModelUpdateStates.RolledBack), (state.Active, state.Last!.State));
    }

    private ModelSlotStore Store() => new(Path.Combine(_data, "models", "pose"), PosePackagesFixture.MoveNetDirectory);

    private ModelInstaller Installer(ModelSlotStore store) =>
        new(store, packages.Trusted, Inference, _time, NullLogger.Instance, "1.0.0") { Kind = "pose", Pose = new PoseOptions() };
}
