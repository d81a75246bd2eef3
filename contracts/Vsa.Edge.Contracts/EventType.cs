using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>
/// The closed list of the eight events authorised by décret n° 2023-828 art. 3. Nothing else can be configured or published.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventType>))]
public enum EventType
{
    /// <summary>Crossing into, or presence in, a forbidden or sensitive zone.</summary>
    [JsonStringEnumMemberName("intrusion")] Intrusion,

    /// <summary>A person or vehicle not respecting the direction of traffic.</summary>
    [JsonStringEnumMemberName("wrong_way")] WrongWay,

    /// <summary>An excessive density of people.</summary>
    [JsonStringEnumMemberName("crowd_density")] CrowdDensity,

    /// <summary>A crowd movement.</summary>
    [JsonStringEnumMemberName("crowd_movement")] CrowdMovement,

    /// <summary>A person on the ground after a fall.</summary>
    [JsonStringEnumMemberName("person_down")] PersonDown,

    /// <summary>An abandoned object.</summary>
    [JsonStringEnumMemberName("abandoned_object")] AbandonedObject,

    /// <summary>Presence or use of weapons.</summary>
    [JsonStringEnumMemberName("weapon")] Weapon,

    /// <summary>A fire start.</summary>
    [JsonStringEnumMemberName("fire")] Fire,
}

/// <summary>Lifecycle state of an alert.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertState>))]
public enum AlertState
{
    /// <summary>The condition started to hold.</summary>
    [JsonStringEnumMemberName("start")] Start,

    /// <summary>The condition still holds and its measurement changed.</summary>
    [JsonStringEnumMemberName("update")] Update,

    /// <summary>The condition no longer holds.</summary>
    [JsonStringEnumMemberName("end")] End,
}
