using Vsa.Edge.Agent.Models;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>What <c>state.json</c> keeps of each slot's package, so that a restarted agent names what it runs.</summary>
public sealed class ModelSlotStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("vsa-model-slots-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Activate_ThenRollBack_KeepsEachSlotsPackageSha256AcrossAReRead()
    {
        var (shaA, shaB) = (new string('a', 64), new string('b', 64));
        var store = new ModelSlotStore(_root, TestAssets.NanoDetDirectory);
        store.Activate("a", "nanodet-coco", "2.0.0", Now, shaA);
        store.Confirm();
        store.Activate("b", "nanodet-coco", "3.0.0", Now, shaB);

        // A new store on the same folder: what an agent started again reads.
        var reread = new ModelSlotStore(_root, TestAssets.NanoDetDirectory).Read();
        Assert.Equal(("b", shaB, "a", shaA), (reread.Active, reread.ActiveSha256, reread.Previous, reread.PreviousSha256));
        Assert.Equal(shaB, reread.Last!.Sha256);

        var back = store.RollBack("soak: frame rate 2.0/s below 0.80 × the previous model's 9.0/s", Now);
        Assert.Equal(("a", "2.0.0", shaA, (string?)null), (back.Active, back.ActiveVersion, back.ActiveSha256, back.PreviousSha256));
        Assert.Equal((ModelUpdateStates.RolledBack, "3.0.0", shaB), (back.Last!.State, back.Last.Version, back.Last.Sha256));
    }

    [Fact]
    public void IsKeptPrevious_SameVersionOtherPackage_NotTheKeptSlot()
    {
        var (shaA, shaB) = (new string('a', 64), new string('b', 64));
        var store = new ModelSlotStore(_root, TestAssets.NanoDetDirectory);
        store.Activate("a", "nanodet-coco", "2.0.0", Now, shaA);
        store.Confirm();
        var state = store.Activate("b", "nanodet-coco", "3.0.0", Now, shaB);
        var kept = new DesiredModel("detector", "nanodet-coco", "2.0.0", shaA, 1, "https://fleet/device/v1/models/" + shaA);

        Assert.True(ModelUpdateService.IsKeptPrevious(kept, state));
        Assert.False(ModelUpdateService.IsKeptPrevious(kept with { Sha256 = new string('c', 64) }, state));
        Assert.False(ModelUpdateService.IsKeptPrevious(kept, state with { PreviousSha256 = null }));
        Assert.False(ModelUpdateService.IsKeptPrevious(kept with { Version = "1.0.0" }, state));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"active":"../../tmp/model","activeVersion":"9.0.0","previous":"factory","soaking":false,"startsDuringSoak":0}""")]
    [InlineData("""{"active":"a","previous":"factory","soaking":false,"startsDuringSoak":0}""")]
    [InlineData("""{"active":"factory","previous":"factory","soaking":false,"startsDuringSoak":0,"last":{"version":"","state":"active","at":"2026-12-07T15:00:00Z"}}""")]
    public void Read_StateAlteredByHand_TheFactoryModelNeverAPathOrAnUnnamedSlot(string json)
    {
        var store = new ModelSlotStore(_root, TestAssets.NanoDetDirectory);
        store.Activate("a", "nanodet-coco", "2.0.0", Now, new string('a', 64));
        Assert.Equal("a", store.Read().Active);

        File.WriteAllText(Path.Combine(_root, "state.json"), json);

        Assert.Same(ModelSlotState.Initial, store.Read());
    }

    [Fact]
    public void ResolveForStart_CrashLoop_NamesTheModelItGoesBackTo()
    {
        var store = new ModelSlotStore(_root, TestAssets.NanoDetDirectory);
        Directory.CreateDirectory(store.SlotDirectory("a"));
        foreach (var file in Directory.GetFiles(TestAssets.NanoDetDirectory))
        {
            File.Copy(file, Path.Combine(store.SlotDirectory("a"), Path.GetFileName(file)));
        }

        store.Activate("a", "nanodet-coco", "2.0.0", Now, new string('a', 64));
        Assert.Equal(store.SlotDirectory("a"), store.ResolveForStart(1, Now).Directory); // the first start of the soak runs it
        var (directory, state) = store.ResolveForStart(1, Now);
        Assert.Equal(TestAssets.NanoDetDirectory, directory);
        Assert.Equal("crash loop: the agent started 1 times during the soak of 2.0.0; back to factory", state.Last!.Reason);
        Assert.Equal((ModelSlotState.Factory, (string?)null, new string('a', 64)), (state.Active, state.ActiveSha256, state.Last.Sha256));
    }
}
