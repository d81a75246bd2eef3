using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

public sealed class ModelInstallerTests(ModelPackagesFixture packages, ITestOutputHelper output) : IClassFixture<ModelPackagesFixture>, IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-model-slots-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void Install_GenuineV2_ValidatesOnThisDeviceAndActivatesTheCandidateSlot()
    {
        var store = Store();

        var result = Installer(store).Install(packages.V2);

        Assert.True(result.Activated, result.Reason);
        using var model = result.Model;
        Assert.Equal(result.Validation!.Expected, result.Validation.Matched);
        Assert.True(result.Validation.Expected > 0);
        output.WriteLine($"validation: {result.Validation.MillisecondsPerFrame:0.0} ms/frame on CPU, session {result.Validation.LoadTime.TotalMilliseconds:0} ms");
        var state = store.Read();
        Assert.Equal(("a", "2.0.0", ModelSlotState.Factory, true), (state.Active, state.ActiveVersion, state.Previous, state.Soaking));
        Assert.Equal(0.45f, ModelPackage.Load(store.SlotDirectory("a")).Manifest.Output.ScoreThreshold);
    }

    [Fact]
    public void Install_ScrambledWeights_FailsValidationAndIsNeverActivated()
    {
        var store = Store();
        Assert.True(Installer(store).Install(packages.V1).Activated);

        var result = Installer(store).Install(packages.V3Scrambled);

        Assert.False(result.Activated);
        Assert.Null(result.Model);
        Assert.StartsWith("validation-failed: ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("packed detections not reproduced", result.Reason, StringComparison.Ordinal);
        var state = store.Read();
        Assert.Equal(("a", "1.0.0"), (state.Active, state.ActiveVersion));
        Assert.Equal(("3.0.0", ModelUpdateStates.Failed), (state.Last!.Version, state.Last.State));
        Assert.Equal(store.SlotDirectory("a"), store.ResolveForStart(2, _time.GetUtcNow(), countStart: false).Directory);
    }

    [Fact]
    public void Install_BadPackageIntoTheRollbackTargetSlot_KeepsTheRollbackTarget()
    {
        // Red-team finding L3: the candidate slot of a third update is the slot kept for rollback.
        var store = Store();
        Installer(store).Install(packages.V1).Model?.Dispose();
        store.Confirm();
        Installer(store).Install(packages.V2).Model?.Dispose();
        store.Confirm();

        var result = Installer(store).Install(packages.V3Scrambled);

        Assert.False(result.Activated);
        var state = store.Read();
        Assert.Equal(("b", "2.0.0", "a", "1.0.0"), (state.Active, state.ActiveVersion, state.Previous, state.PreviousVersion));
        Assert.Equal(ModelPackage.Load(TestAssets.NanoDetDirectory).Manifest.Sha256, ModelPackage.Load(store.SlotDirectory("a")).Manifest.Sha256);
        Assert.False(Directory.Exists(store.SlotDirectory("a") + ".staging"), "the refused candidate is discarded");
        Assert.Equal(("a", "1.0.0"), (store.RollBack("by hand", _time.GetUtcNow()).Active, store.Read().ActiveVersion));
    }

    [Fact]
    public void Install_SignedByAnUntrustedKey_RefusedAndTheOldModelKeepsRunning()
    {
        var store = Store();
        Assert.True(Installer(store).Install(packages.V1).Activated);

        var result = Installer(store).Install(packages.V2WrongKey);

        Assert.False(result.Activated);
        Assert.StartsWith("untrusted: signature does not verify with a trusted key", result.Reason, StringComparison.Ordinal);
        Assert.Equal(("a", "1.0.0"), (store.Read().Active, store.Read().ActiveVersion));
        Assert.False(Directory.Exists(store.SlotDirectory("b")), "a refused package leaves no slot behind");
    }

    [Fact]
    public void Install_OlderThanTheRunningModel_RefusedAsDowngrade()
    {
        var store = Store();
        Assert.True(Installer(store).Install(packages.V2).Activated);

        var result = Installer(store).Install(packages.V1);

        Assert.Equal("downgrade: nanodet-coco 1.0.0 is not newer than the running 2.0.0", result.Reason);
        Assert.Equal("2.0.0", store.Read().ActiveVersion);
    }

    [Fact]
    public void RollBack_AfterTwoUpdates_ReturnsToThePreviousSlotKeptOnDisk()
    {
        var store = Store();
        Installer(store).Install(packages.V1).Model?.Dispose();
        store.Confirm();
        Installer(store).Install(packages.V2).Model?.Dispose();
        Assert.Equal(("b", "a"), (store.Read().Active, store.Read().Previous));

        var state = store.RollBack("fps gate", _time.GetUtcNow());

        Assert.Equal(("a", "1.0.0", false), (state.Active, state.ActiveVersion, state.Soaking));
        Assert.Equal(("2.0.0", ModelUpdateStates.RolledBack, "fps gate"), (state.Last!.Version, state.Last.State, state.Last.Reason));
        Assert.Equal(store.SlotDirectory("a"), store.ResolveForStart(2, _time.GetUtcNow()).Directory);
    }

    [Fact]
    public void ResolveForStart_ModelThatCrashesTheAgentAtEveryStart_RolledBackAfterTheAllowedStarts()
    {
        var store = Store();
        Installer(store).Install(packages.V2).Model?.Dispose();

        var starts = Enumerable.Range(0, 3).Select(_ => store.ResolveForStart(2, _time.GetUtcNow())).ToList();

        Assert.Equal([store.SlotDirectory("a"), store.SlotDirectory("a"), TestAssets.NanoDetDirectory], starts.Select(s => s.Directory));
        Assert.Equal(ModelUpdateStates.RolledBack, starts[^1].State.Last!.State);
        Assert.Contains("crash loop: the agent started 2 times during the soak of 2.0.0", starts[^1].State.Last!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveForStart_ActiveSlotDamagedOnDisk_FallsBackToThePreviousModel()
    {
        var store = Store();
        Installer(store).Install(packages.V1).Model?.Dispose();
        store.Confirm();
        Installer(store).Install(packages.V2).Model?.Dispose();
        store.Confirm();
        File.WriteAllBytes(Path.Combine(store.SlotDirectory("b"), "nanodet.onnx"), [1, 2, 3]);

        var (directory, state) = store.ResolveForStart(2, _time.GetUtcNow());

        Assert.Equal(store.SlotDirectory("a"), directory);
        Assert.Contains("slot b does not check", state.Last!.Reason, StringComparison.Ordinal);
    }

    private ModelSlotStore Store() => new(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);

    private ModelInstaller Installer(ModelSlotStore store) =>
        new(store, packages.Trusted, new InferenceOptions { ExecutionProviders = ["CPU"] }, _time, NullLogger.Instance, "1.0.0");
}
