using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>The real converted NanoDet on the CPU provider, loaded once per test class.</summary>
public sealed class ModelFixture : IDisposable
{
    public ModelFixture()
    {
        Model = DetectorModel.Load(
            new InferenceOptions { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = ["CPU"] },
            NullLogger.Instance);
    }

    public DetectorModel Model { get; }

    public void Dispose() => Model.Dispose();
}
