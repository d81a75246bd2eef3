using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>Two alert messages are the same when their wire JSON is the same (records compare lists by reference).</summary>
internal sealed class AlertComparer : IEqualityComparer<AlertMessage>
{
    public static readonly AlertComparer Instance = new();

    public bool Equals(AlertMessage? x, AlertMessage? y) => Json(x) == Json(y);

    public int GetHashCode(AlertMessage obj) => Json(obj).GetHashCode(StringComparison.Ordinal);

    private static string Json(AlertMessage? alert) =>
        alert is null ? "null" : JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage);
}
