using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Pose;

/// <summary>The real converted MoveNet lightning on the CPU provider, loaded once per test class.</summary>
public sealed class PoseModelFixture : IDisposable
{
    public PoseModelFixture()
    {
        var directory = Path.Combine(TestAssets.CacheRoot, "models", "movenet-lightning");
        if (!File.Exists(Path.Combine(directory, "manifest.json")))
        {
            throw new FileNotFoundException($"Test asset missing: {directory}. Prepare it with `./vsa model prepare`.", directory);
        }

        Model = PoseModel.Load(new PoseOptions { ModelDirectory = directory }, ["CPU"], NullLogger.Instance);
    }

    public PoseModel Model { get; }

    public void Dispose() => Model.Dispose();
}
