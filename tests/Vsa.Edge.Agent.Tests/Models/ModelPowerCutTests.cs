using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>kill -9 of a real <c>vsa-agent model install</c> at each step: the device then runs the old or the new model, never none.</summary>
public sealed class ModelPowerCutTests(ModelPackagesFixture packages) : IClassFixture<ModelPackagesFixture>, IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-model-powercut-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Theory]
    [InlineData(ModelUpdateStates.Verifying)]
    [InlineData(ModelUpdateStates.Validating)]
    [InlineData("switching")]
    public async Task Install_KilledAtAStep_LeavesAValidModelAndAnUpdateCanStillComplete(string step)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);
        var installer = new ModelInstaller(store, packages.Trusted, new InferenceOptions { ExecutionProviders = ["CPU"] }, time, NullLogger.Instance, "1.0.0");
        installer.Install(packages.V1).Model?.Dispose();
        store.Confirm();

        using (var agent = AgentProcess.Start(["model", "install", "--package", packages.V2, "--trust", packages.TrustFile, "--data-dir", _data, "--model-dir", TestAssets.NanoDetDirectory, "--pause-at", step]))
        {
            await agent.WaitForLineAsync($"^step {step}$", Guard);
            agent.KillHard();
        }

        var (directory, state) = store.ResolveForStart(2, time.GetUtcNow());
        var running = ModelPackage.Load(directory);
        Assert.Equal(("a", "1.0.0"), (state.Active, state.ActiveVersion));
        Assert.Equal(store.SlotDirectory("a"), directory);
        Assert.Equal("nanodet-coco", running.Manifest.Id);

        var retried = installer.Install(packages.V2);
        retried.Model?.Dispose();
        Assert.True(retried.Activated, retried.Reason);
        Assert.Equal(("b", "2.0.0"), (store.Read().Active, store.Read().ActiveVersion));
    }
}
