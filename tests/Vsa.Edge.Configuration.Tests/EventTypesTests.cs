using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration.Tests;

public sealed class EventTypesTests
{
    [Fact]
    public void ToWireName_EachOfTheEight_IsWhatTheContractSerialises()
    {
        foreach (var type in Enum.GetValues<EventType>())
        {
            var serialised = JsonSerializer.Serialize(type).Trim('"');

            Assert.Equal(serialised, EventTypes.ToWireName(type));
            Assert.True(EventTypes.TryParse(serialised, out var parsed));
            Assert.Equal(type, parsed);
        }

        Assert.Equal(8, EventTypes.AllNames.Split(", ").Length);
    }

    [Theory]
    [InlineData("Intrusion")]
    [InlineData("face_recognition")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NotAWireName_Refused(string? name) => Assert.False(EventTypes.TryParse(name, out _));
}
