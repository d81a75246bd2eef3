using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Configuration;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Pose;

public sealed class PoseModelProviderTests(ModelFixture detector) : IClassFixture<ModelFixture>
{
    [Fact]
    public void For_IntrusionOnly_LoadsNothingEvenFromAMissingFolder()
    {
        using var provider = Provider(Path.Combine(Path.GetTempPath(), "no-such-pose-model"));

        Assert.Null(provider.For(Rules(new EventConfig("intrusion", ["z"]))));
        Assert.Null(provider.For(null));
    }

    [Fact]
    public void For_PersonDown_LoadsTheModelOnceForEveryCamera()
    {
        using var provider = Provider(Path.Combine(TestAssets.CacheRoot, "models", "movenet-lightning"));

        var first = provider.For(Rules(new EventConfig("person_down")));
        var second = provider.For(Rules(new EventConfig("person_down")));

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(192, first.InputSize);
    }

    [Fact]
    public void For_PersonDownWithAMissingModel_ThrowsAModelException()
    {
        using var provider = Provider(Path.Combine(Path.GetTempPath(), "no-such-pose-model"));

        Assert.Throws<ModelException>(() => provider.For(Rules(new EventConfig("person_down"))));
    }

    private static PoseModelProvider Provider(string directory) => new(
        Options.Create(new PoseOptions { ModelDirectory = directory }),
        Options.Create(new InferenceOptions { ExecutionProviders = ["CPU"] }),
        NullLogger<PoseModel>.Instance);

    private RuleEngine Rules(EventConfig ev) =>
        new(new CameraConfig("cam", null, "clip.avi", [new ZoneConfig("z", null, [[0f, 0f], [1f, 0f], [1f, 1f]])], [ev]), detector.Model.Manifest, "dev");
}
