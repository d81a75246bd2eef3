using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Tests.Mqtt;

public sealed class MqttOptionsTests
{
    [Fact]
    public void FromUri_MqttAddress_ParsesHostAndPort()
    {
        var withPort = MqttOptions.FromUri("mqtt://broker.local:18830");
        var withoutPort = MqttOptions.FromUri("mqtt://10.0.0.2");

        Assert.Equal(("broker.local", 18830), (withPort.Host, withPort.Port));
        Assert.Equal(("10.0.0.2", 1883), (withoutPort.Host, withoutPort.Port));
        Assert.Throws<FormatException>(() => MqttOptions.FromUri("http://broker:1883"));
    }
}
