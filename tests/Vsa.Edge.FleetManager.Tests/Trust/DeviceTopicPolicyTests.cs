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

    [Theory]
    [InlineData("vsa/v1/+/alerts", true)]
    [InlineData("vsa/v1/pole-12/status", true)]
    [InlineData("vsa/v1/+/events", true)]
    [InlineData("vsa/v1/+/health", true)]
    [InlineData("vsa/v1/+/config/desired", false)]
    [InlineData("vsa/v1/pole-12/config/desired", false)]
    [InlineData("vsa/v1/+/config/reported", false)]
    [InlineData("vsa/v1/#", false)]
    [InlineData("vsa/v1/+/#", false)]
    [InlineData("vsa/v1/pole+/alerts", false)]
    [InlineData("$share/g/vsa/v1/+/alerts", false)]
    [InlineData("#", false)]
    public void BenchMayView_Filter_OnlyWhatABenchViewerShows(string filter, bool allowed) =>
        Assert.Equal(allowed, DeviceTopicPolicy.BenchMayView(filter));

    [Theory]
    [InlineData("vsa/v1/pole-12/config/desired", true)]
    [InlineData("vsa/v1/x/config/desired", true)]
    [InlineData("vsa/v1/pole-12/config/reported", false)]
    [InlineData("vsa/v1/pole-12/alerts", false)]
    [InlineData("vsa/v1/config/desired", false)]
    [InlineData("other/pole-12/config/desired", false)]
    public void IsFleetToDevice_Topic(string topic, bool expected) =>
        Assert.Equal(expected, Vsa.Edge.Contracts.Topics.IsFleetToDevice(topic));

    [Fact]
    public void PublishLeaves_NeverAFleetToDeviceTopic() =>
        Assert.Empty(DeviceTopicPolicy.PublishLeaves.Intersect(Vsa.Edge.Contracts.Topics.FleetToDeviceLeaves));

    [Theory]
    [InlineData("pole-12", "pole-12")]
    [InlineData("vsa-agent-pole-12", "pole-12")]
    [InlineData("vsa-agent-", null)]
    [InlineData("a/b", null)]
    [InlineData("pole+", null)]
    public void BenchDeviceOf_ClientId(string clientId, string? deviceId) =>
        Assert.Equal(deviceId, BrokerAccessControl.BenchDeviceOf(clientId));
}
