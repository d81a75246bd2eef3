using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Authorisation;

/// <summary>A set of the eight event types as bits, so the per-frame check is one load and one test.</summary>
/// <param name="Bits">Bit <c>1 &lt;&lt; (int)type</c> per event type in the set.</param>
public readonly record struct EventMask(uint Bits)
{
    /// <summary>No event.</summary>
    public static EventMask None => default;

    private static readonly EventMask AllEvents = new((1u << Enum.GetValues<EventType>().Length) - 1);

    /// <summary>All eight events.</summary>
    public static EventMask All => AllEvents;

    /// <summary>Whether the set holds <paramref name="type"/>.</summary>
    public bool Contains(EventType type) => (Bits & Bit(type)) != 0;

    /// <summary>This set with <paramref name="type"/> added.</summary>
    public EventMask With(EventType type) => new(Bits | Bit(type));

    /// <summary>The events in the set, in enum order (allocates: for logs and reports).</summary>
    public IReadOnlyList<EventType> ToList() => [.. Enum.GetValues<EventType>().Where(Contains)];

    private static uint Bit(EventType type) => 1u << (int)type;
}
