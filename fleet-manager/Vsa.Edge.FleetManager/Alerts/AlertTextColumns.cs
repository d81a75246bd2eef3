using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>
/// Schema step 26: on PostgreSQL, an alert message's payload (<c>alert_messages.payload</c>) and an alert's objects
/// (<c>alerts.objects</c>) become <c>text</c> instead of <c>jsonb</c> (SQLite already keeps them as text). The fleet writes
/// them from its own serialisation of a message it has decoded and checked, reads them back whole and parses them itself
/// (<see cref="AlertStore.ReadView"/>, <see cref="Operators.AlertTrackReader"/>); no query looks inside them. Yet PostgreSQL parsed
/// and rebuilt both as <c>jsonb</c> for every alert: 13 % of the database's processor time in a burst (the profile:
/// <c>jsonb_recv</c>), a quarter of the backend's time to store 40,000 alerts in batches of 125 (1,700 ms against 1,300 ms
/// as <c>text</c>). The device health, installation reports and other documents that queries do read inside stay
/// <c>jsonb</c>. The step rewrites both tables once (an upgrade holds them locked for as long: the broker keeps the
/// messages that arrive meanwhile, acknowledged only once stored).
/// </summary>
public static class AlertTextColumns
{
    /// <summary>The step.</summary>
    public static Migration Migration { get; } = new(26,
        "alert payloads and objects kept as text on PostgreSQL (read back whole, never queried inside)",
        "",
        PostgresSql: """
            ALTER TABLE alert_messages ALTER COLUMN payload TYPE text USING payload::text;
            ALTER TABLE alerts ALTER COLUMN objects TYPE text USING objects::text;
            """);
}
