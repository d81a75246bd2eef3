using System.Reflection;
using System.Text.Json.Serialization;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration;

/// <summary>Wire names of the closed <see cref="EventType"/> list; the agent evaluates all eight.</summary>
public static class EventTypes
{
    // Derived from the contract's [JsonStringEnumMemberName] attributes (the one place the names are spelled), in the
    // contract's order: a name changed there changes here, and a ninth value cannot slip in unnamed.
    private static readonly (string Name, EventType Type)[] Names =
        [.. Enum.GetValues<EventType>().Select(t => (WireName(t), t))];

    /// <summary>The eight wire names, comma-separated, for error messages.</summary>
    public static string AllNames { get; } = string.Join(", ", Array.ConvertAll(Names, n => n.Name));

    /// <summary>Parses a wire name (exact, lower-case, as in the contracts); false for anything outside the eight.</summary>
    public static bool TryParse(string? name, out EventType type)
    {
        foreach (var (n, t) in Names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>The wire name of an event type.</summary>
    public static string ToWireName(EventType type)
    {
        foreach (var (n, t) in Names)
        {
            if (t == type)
            {
                return n;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(type), type, "Not one of the eight authorised events.");
    }

    private static string WireName(EventType type) =>
        typeof(EventType).GetField(type.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? throw new InvalidOperationException($"EventType.{type} has no wire name in the contracts.");
}
