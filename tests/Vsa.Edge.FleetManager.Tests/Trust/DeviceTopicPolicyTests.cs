using Vsa.Edge.FleetManager.Broker;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>The topic rules of an enrolled device on the embedded broker.</summary>
public sealed class DeviceTopicPolicyTests
{
    [Theory]
    [InlineData("vsa/v1/pole-12/alerts", true)]
    [InlineData("vsa/v1/pole-12/health", true)]
    [InlineData("vsa/v1/pole-12/status", true)]
    [InlineData("vsa/v1/pole-12/events", true)]
    [InlineData("vsa/v1/pole-12/config/reported", true)]
    [InlineData("vsa/v1/pole-12/config/desired", false)]
    [InlineData("vsa/v1/pole-13/alerts", false)]
    [InlineData("vsa/v1/pole-12/alerts/extra", false)]
    [InlineData("vsa/v1/pole-12", false)]
    [InlineData("vsa/v1/pole-12-x/alerts", false)]
    [InlineData("other/pole-12/alerts", false)]
    public void MayPublish_Topic_OnlyOwnMessages(string topic, bool allowed) =>
        Assert.Equal(allowed, DeviceTopicPolicy.MayPublish("pole-12", topic));

    [Theory]
    [InlineData("vsa/v1/pole-12/config/desired", true)]
    [InlineData("vsa/v1/pole-12/config/+", false)]
    [InlineData("vsa/v1/pole-12/#", false)]
    [InlineData("vsa/v1/+/config/desired", false)]
    [InlineData("vsa/v1/pole-13/config/desired", false)]
    [InlineData("vsa/v1/pole-12/alerts", false)]
    [InlineData("#", false)]
    public void MaySubscribe_Filter_OnlyOwnDesiredConfiguration(string filter, bool allowed) =>
        Assert.Equal(allowed, DeviceTopicPolicy.MaySubscribe("pole-12", filter));
}
