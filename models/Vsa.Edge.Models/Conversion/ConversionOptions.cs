namespace Vsa.Edge.Models.Conversion;

/// <summary>
/// How to convert a graph beyond a plain one-to-one mapping.
/// </summary>
/// <param name="InputHeight">Input height to convert the graph at instead of its own (null: the graph's). NanoDet needs a multiple of 32.</param>
/// <param name="InputWidth">Input width, as <paramref name="InputHeight"/>.</param>
/// <param name="DynamicBatch">Whether the graph input gets a symbolic batch dimension (batched inference across cameras).</param>
public sealed record ConversionOptions(int? InputHeight = null, int? InputWidth = null, bool DynamicBatch = false)
{
    /// <summary>The graph as it is: its own input size, a fixed batch.</summary>
    public static ConversionOptions Default { get; } = new();

    /// <summary>Whether the graph's input shape changes.</summary>
    public bool ChangesInput => InputHeight is not null || InputWidth is not null || DynamicBatch;
}
