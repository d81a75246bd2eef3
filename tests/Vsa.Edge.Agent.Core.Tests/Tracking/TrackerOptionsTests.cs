using System.ComponentModel.DataAnnotations;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Tests.Tracking;

public sealed class TrackerOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.True(IsValid(new TrackerOptions()));
        Assert.True(IsValid(new RuleOptions()));
    }

    [Fact]
    public void Validate_OutOfRange_IsRejected()
    {
        Assert.False(IsValid(new TrackerOptions { HighScoreThreshold = 1.5f }));
        Assert.False(IsValid(new TrackerOptions { MinHitsToConfirm = 0 }));
        Assert.False(IsValid(new TrackerOptions { MaxLostDuration = TimeSpan.FromSeconds(-1) }));
        Assert.False(IsValid(new RuleOptions { ExitGrace = TimeSpan.FromMinutes(5) }));
    }

    [Fact]
    public void Constructor_LowAboveHigh_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ByteTracker(new TrackerOptions { LowScoreThreshold = 0.7f, HighScoreThreshold = 0.5f }));
    }

    private static bool IsValid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);
}
