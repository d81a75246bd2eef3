using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>
/// The chain's hash: SHA-256 over a canonical serialisation of an entry, a compact JSON array
/// <c>[sequence, "at", "actor", "action", "target", "details", "prev_hash"]</c> with the time in <see cref="DbTime"/>'s fixed
/// format. An array of typed values cannot be read two ways, unlike a concatenation.
/// </summary>
public static class AuditHash
{
    /// <summary>The <c>prev_hash</c> of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The hash an entry with these fields must carry.</summary>
    public static string Compute(long sequence, DateTimeOffset at, string actor, string action, string target, string details, string prevHash)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + details.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(sequence);
            writer.WriteStringValue(DbTime.Write(at));
            writer.WriteStringValue(actor);
            writer.WriteStringValue(action);
            writer.WriteStringValue(target);
            writer.WriteStringValue(details);
            writer.WriteStringValue(prevHash);
            writer.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>The hash <paramref name="entry"/> should carry, recomputed from its fields.</summary>
    public static string Compute(AuditEntry entry) =>
        Compute(entry.Sequence, entry.At, entry.Actor, entry.Action, entry.Target, entry.Details, entry.PrevHash);
}
