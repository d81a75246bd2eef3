using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// How the fleet reads what devices send: stricter than the contracts' shared options (<see cref="ContractsJsonContext"/>,
/// which the agent also uses and which follow the web defaults), so that nothing a device can write reaches the stores in a
/// form they cannot hold. Numbers only as JSON numbers (no <c>"NaN"</c>, no <c>"12"</c>), enums only by their names (no
/// integers), property names as written (camelCase), each property once, at most <see cref="MaxDepth"/> levels.
/// </summary>
public static class WireJson
{
    /// <summary>
    /// Deepest nesting accepted. Default 32: the deepest message, a configuration report, nests a camera's zone polygon points
    /// at level 7; anything near the serializer's own limit (64) is an attack, not a message.
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>The contracts' metadata with the strict options.</summary>
    public static ContractsJsonContext Context { get; } = CreateContext();

    /// <summary>
    /// Reads the whole payload once before any decoding and returns why it cannot be decoded safely, or null: invalid UTF-8
    /// (<see cref="RejectReason.InvalidUtf8"/>); malformed or too deeply nested JSON (<see cref="RejectReason.MalformedJson"/>);
    /// a string escape that is not a character (an unpaired surrogate: <see cref="RejectReason.InvalidUtf8"/>); a string holding
    /// NUL, which PostgreSQL cannot store, or a number too large to be a finite double (<see cref="RejectReason.InvalidContent"/>).
    /// Property names are checked like string values.
    /// </summary>
    public static (RejectReason Reason, string Detail)? Scan(ReadOnlySpan<byte> payload)
    {
        if (FirstInvalidUtf8(payload) is { } offset)
        {
            return (RejectReason.InvalidUtf8, $"payload is not valid UTF-8 (byte {offset})");
        }

        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped:
                        if (Unescape(ref reader) is { } problem)
                        {
                            return problem;
                        }

                        break;
                    case JsonTokenType.Number when !reader.TryGetDouble(out var number) || !double.IsFinite(number):
                        return (RejectReason.InvalidContent, $"a number is not a finite double (byte {reader.TokenStartIndex})");
                }
            }
        }
        catch (JsonException ex)
        {
            return (RejectReason.MalformedJson, $"malformed JSON: {ex.Message}");
        }

        return null;
    }

    /// <summary>Replaces what does not belong in a log line or a text column (control characters, unpaired surrogates) and cuts at <paramref name="maxLength"/>.</summary>
    public static string Printable(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(value.Length, maxLength));
        foreach (var rune in value.EnumerateRunes())
        {
            // EnumerateRunes yields U+FFFD for an unpaired surrogate.
            var printable = Rune.IsControl(rune) ? new Rune('\uFFFD') : rune;
            if (builder.Length + printable.Utf16SequenceLength > maxLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(printable.ToString());
        }

        return builder.ToString();
    }

    private static (RejectReason Reason, string Detail)? Unescape(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return (RejectReason.InvalidUtf8, $"a string escape is not a character (unpaired surrogate, byte {reader.TokenStartIndex})");
        }

        return text.Contains('\0', StringComparison.Ordinal)
            ? (RejectReason.InvalidContent, $"a string contains NUL (\\u0000, byte {reader.TokenStartIndex})")
            : null;
    }

    private static long? FirstInvalidUtf8(ReadOnlySpan<byte> payload)
    {
        if (Utf8.IsValid(payload))
        {
            return null;
        }

        // Rare path: find the offset to name it.
        var buffer = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            long consumed = 0;
            while (true)
            {
                var status = Utf8.ToUtf16(payload, buffer, out var read, out _, replaceInvalidSequences: false);
                if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
                {
                    return consumed + read;
                }

                consumed += read;
                payload = payload[read..];
                if (status == OperationStatus.Done)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static ContractsJsonContext CreateContext()
    {
        var options = new JsonSerializerOptions(ContractsJsonContext.Default.Options)
        {
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
            AllowDuplicateProperties = false,
            MaxDepth = MaxDepth,
        };

        // Converters in the options win over the enums' own [JsonConverter] attributes, which allow integers.
        options.Converters.Add(new JsonStringEnumConverter<EventType>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<AlertState>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<DeviceState>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<DeviceEventKind>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<ConfigSource>(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<ConfigApplyStatus>(namingPolicy: null, allowIntegerValues: false));
        return new ContractsJsonContext(options);
    }
}
