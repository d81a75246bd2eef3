using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// The wire names of the contract enums ("wrong_way", "end", "offline"), taken from the contracts' own JSON metadata so the
/// database stores exactly what the protocol says and there is one source of truth for the spelling.
/// </summary>
public static class WireNames
{
    private static readonly Names<EventType> EventTypes = new(ContractsJsonContext.Default.EventType);
    private static readonly Names<AlertState> AlertStates = new(ContractsJsonContext.Default.AlertState);
    private static readonly Names<DeviceState> DeviceStates = new(ContractsJsonContext.Default.DeviceState);
    private static readonly Names<AlertEndReason> EndReasons = new(ContractsJsonContext.Default.AlertEndReason);

    /// <summary>Wire name of an event type.</summary>
    public static string Of(EventType value) => EventTypes.ToName(value);

    /// <summary>Wire name of an alert state.</summary>
    public static string Of(AlertState value) => AlertStates.ToName(value);

    /// <summary>Wire name of a device state.</summary>
    public static string Of(DeviceState value) => DeviceStates.ToName(value);

    /// <summary>Wire name of why an alert ended.</summary>
    public static string Of(AlertEndReason value) => EndReasons.ToName(value);

    /// <summary>Parses a stored event type.</summary>
    public static EventType ToEventType(string name) => EventTypes.ToValue(name);

    /// <summary>Parses a stored alert state.</summary>
    public static AlertState ToAlertState(string name) => AlertStates.ToValue(name);

    /// <summary>Parses a stored device state.</summary>
    public static DeviceState ToDeviceState(string name) => DeviceStates.ToValue(name);

    /// <summary>Parses a stored end reason.</summary>
    public static AlertEndReason ToEndReason(string name) => EndReasons.ToValue(name);

    private sealed class Names<T>
        where T : struct, Enum
    {
        private readonly FrozenDictionary<T, string> _byValue;
        private readonly FrozenDictionary<string, T> _byName;

        public Names(JsonTypeInfo<T> typeInfo)
        {
            _byValue = Enum.GetValues<T>().ToFrozenDictionary(v => v, v => JsonSerializer.Serialize(v, typeInfo).Trim('"'));
            _byName = _byValue.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        }

        public string ToName(T value) => _byValue.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(T).Name}.");

        public T ToValue(string name) => _byName.TryGetValue(name, out var value)
            ? value
            : throw new FormatException($"'{name}' is not a {typeof(T).Name} wire name.");
    }
}
