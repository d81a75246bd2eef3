using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>One hostile variant: the topic it is sent on, its bytes, and which mutations made it (for the report on failure).</summary>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Payload">The bytes.</param>
/// <param name="Made">The mutations applied, in order.</param>
public sealed record Mutant(string Topic, byte[] Payload, string Made)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Made}] {Encoding.UTF8.GetString(Payload[..Math.Min(Payload.Length, 400)])}";
}

/// <summary>
/// CsCheck generators of hostile variants of valid messages: a valid message of the kind (written by the contracts' records,
/// varied), then one to three mutations among byte flips, truncation, a field given a value of another type, non-finite or
/// huge numbers, far timestamps, invalid UTF-8, escapes no store can hold, deep nesting, huge strings, wrong enums, a
/// property removed or given twice, and (rarely) another topic.
/// </summary>
public static class Mutations
{
    private static readonly JsonNode?[] Values =
    [
        null, true, false, 0, -1, 1.5, -0.0, 3, 7, 65536, long.MaxValue, ulong.MaxValue, 1e308, -1e308, 5e-324,
        "", " ", "x", "NaN", "Infinity", "-Infinity", "1e400", "12", "0x10", "null", "true",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2025-13-45T99:00:00Z", "9999-12-31T23:59:59-14:00",
        "intrusion", "Intrusion", "INTRUSION", "violence", "start", "end", "update", "online", "offline", "fleet", "local",
        "applied", "rejected", "camera_offline", "tamper", "pole-12", "cam-1", "a/b", "+", "#",
        new JsonArray(), new JsonObject(), new JsonArray(1, 2, 3, 4), new JsonArray(double.MaxValue, 0, 0, 0), new JsonArray("a"),
        new JsonObject { ["id"] = "", ["version"] = "" }, new JsonObject { ["name"] = "n", ["value"] = 1e308, ["unit"] = "u" },
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0xC3], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private static readonly string[] Escapes = ["\\ud800", "\\udfff", "\\udc00\\ud800", "\\u0000", "\\u001b[2J", "\\n", "\\\"", "\\uFFFF"];

    /// <summary>Hostile variants of <paramref name="kind"/> from <paramref name="deviceId"/>, timestamps based on <paramref name="at"/>.</summary>
    public static Gen<Mutant> Of(MessageKind kind, string deviceId, DateTimeOffset at) =>
        Gen.Select(Base(kind, deviceId, at), Mutation.Array[1, 3], Gen.Int[0, 99])
            .Select(x => Apply(kind, deviceId, x.Item1, x.Item2, x.Item3));

    private static Gen<byte[]> Base(MessageKind kind, string deviceId, DateTimeOffset at) =>
        Gen.Select(Gen.Int[-600, 60], Gen.Enum<EventType>(), Gen.Double[0, 1])
            .Select(x =>
            {
                var node = WireSamples.Node(kind, deviceId, at.AddSeconds(x.Item1));
                if (kind == MessageKind.Alert)
                {
                    node["eventType"] = Vsa.Edge.FleetManager.Storage.WireNames.Of(x.Item2);
                    node["confidence"] = x.Item3;
                }

                return Encoding.UTF8.GetBytes(node.ToJsonString());
            });

    private static Gen<(string Name, Func<byte[], byte[]> Apply)> Mutation { get; } = Gen.Frequency(
        (3, Make("flip", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 8], Flip)),
        (2, Make("truncate", Gen.Int[0, int.MaxValue], (at, b) => b[..(at % Math.Max(1, b.Length))])),
        (6, Make("swap", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, Values.Length - 1]), (x, b) => Swap(b, x.Item1, Values[x.Item2]))),
        (3, Make("utf8", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, InvalidUtf8.Length - 1]), (x, b) => IntoString(b, x.Item1, InvalidUtf8[x.Item2]))),
        (2, Make("escape", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, Escapes.Length - 1]), (x, b) => IntoString(b, x.Item1, Encoding.UTF8.GetBytes(Escapes[x.Item2])))),
        (1, Make("nest", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 3000]), (x, b) => Twice(b, x.Item1, new string('[', x.Item2) + new string(']', x.Item2)))),
        (1, Make("huge", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1000, 70000]), (x, b) => Swap(b, x.Item1, new string('é', x.Item2 / 2)))),
        (2, Make("remove", Gen.Int[0, int.MaxValue], (at, b) => Edit(b, at, (o, name) => o.Remove(name)))),
        (2, Make("twice", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, Values.Length - 1]), (x, b) => Twice(b, x.Item1, Values[x.Item2]?.ToJsonString() ?? "null"))),
        (1, Make("time", Gen.Select(Gen.Int[0, int.MaxValue], Gen.Long[-62_135_596_800L, 253_402_300_799L]), (x, b) => Swap(b, x.Item1, DateTimeOffset.FromUnixTimeSeconds(x.Item2).ToString("O", CultureInfo.InvariantCulture)))));

    private static Gen<(string, Func<byte[], byte[]>)> Make<T>(string name, Gen<T> parameters, Func<T, byte[], byte[]> mutate) =>
        parameters.Select(p => (name, (Func<byte[], byte[]>)(b => mutate(p, b))));

    private static Mutant Apply(MessageKind kind, string deviceId, byte[] payload, (string Name, Func<byte[], byte[]> Apply)[] mutations, int topicDraw)
    {
        foreach (var mutation in mutations)
        {
            payload = mutation.Apply(payload);
        }

        var topic = topicDraw switch
        {
            0 => $"vsa/v1/{deviceId}/nowhere",
            1 => WireSamples.Topic(kind, "other-device"),
            2 => WireSamples.Topic(WireSamples.Kinds[((int)kind + 1) % WireSamples.Kinds.Count], deviceId),
            _ => WireSamples.Topic(kind, deviceId),
        };
        return new Mutant(topic, payload, string.Join(", ", mutations.Select(m => m.Name)));
    }

    private static byte[] Flip((int At, byte Value)[] flips, byte[] payload)
    {
        var copy = (byte[])payload.Clone();
        foreach (var (at, value) in flips)
        {
            if (copy.Length > 0)
            {
                copy[at % copy.Length] = value;
            }
        }

        return copy;
    }

    /// <summary>Gives the <paramref name="pick"/>-th value of the JSON tree (any depth) another value; bytes left as they are when they are not JSON.</summary>
    private static byte[] Swap(byte[] payload, int pick, JsonNode? value) =>
        Edit(payload, pick, (o, name) => o[name] = value?.DeepClone());

    /// <summary>Gives the <paramref name="pick"/>-th property a second occurrence with <paramref name="json"/>, written by hand (JsonObject refuses duplicates).</summary>
    private static byte[] Twice(byte[] payload, int pick, string json)
    {
        var text = Encoding.UTF8.GetString(payload);
        var properties = Properties(text);
        if (properties.Count == 0)
        {
            return [.. payload, .. Encoding.UTF8.GetBytes(json)];
        }

        var (name, at) = properties[pick % properties.Count];
        return Encoding.UTF8.GetBytes(text.Insert(at, $"\"{name}\":{json},"));
    }

    /// <summary>Edits the <paramref name="pick"/>-th property of the JSON tree (any depth); the bytes stay as they are when they are not JSON the DOM reads.</summary>
    private static byte[] Edit(byte[] payload, int pick, Action<JsonObject, string> edit)
    {
        try
        {
            var root = JsonNode.Parse(payload);
            var properties = new List<(JsonObject Parent, string Name)>();
            Collect(root, properties);
            if (properties.Count == 0)
            {
                return payload;
            }

            var (parent, name) = properties[pick % properties.Count];
            edit(parent, name);
            return Encoding.UTF8.GetBytes(root!.ToJsonString());
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            return payload;
        }
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> into)
    {
        if (node is JsonObject o)
        {
            foreach (var (name, child) in o.ToList())
            {
                into.Add((o, name));
                Collect(child, into);
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a)
            {
                Collect(child, into);
            }
        }
    }

    private static List<(string Name, int At)> Properties(string text)
    {
        var found = new List<(string, int)>();
        for (var i = text.IndexOf("{\"", StringComparison.Ordinal); i >= 0; i = text.IndexOf(",\"", i + 1, StringComparison.Ordinal))
        {
            var end = text.IndexOf('"', i + 2);
            if (end > 0)
            {
                found.Add((text[(i + 2)..end], i + 1));
            }
        }

        return found;
    }

    /// <summary>Inserts <paramref name="bytes"/> just inside the <paramref name="pick"/>-th string (after an opening quote).</summary>
    private static byte[] IntoString(byte[] payload, int pick, byte[] bytes)
    {
        var quotes = Enumerable.Range(0, payload.Length).Where(i => payload[i] == (byte)'"').ToList();
        if (quotes.Count == 0)
        {
            return [.. payload, .. bytes];
        }

        var at = quotes[pick % quotes.Count] + 1;
        return [.. payload[..at], .. bytes, .. payload[at..]];
    }
}
