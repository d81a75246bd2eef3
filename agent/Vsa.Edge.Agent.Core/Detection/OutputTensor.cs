namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>
/// One model output held in a managed buffer that the inference adapter reuses every frame (ONNX Runtime writes into
/// it), so decoding reads the numbers without a copy or an allocation.
/// </summary>
public sealed class OutputTensor
{
    /// <summary>Wraps a buffer; <paramref name="data"/> must hold at least the product of <paramref name="shape"/>.</summary>
    public OutputTensor(string name, float[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count *= d;
        }

        if (data.Length < count)
        {
            throw new ArgumentException($"Output '{name}' has shape [{string.Join(',', shape)}] ({count} values) but its buffer holds {data.Length}.", nameof(data));
        }

        Name = name;
        Data = data;
        Shape = shape;
    }

    /// <summary>Output name in the graph (informative only: decoders choose outputs by shape).</summary>
    public string Name { get; }

    /// <summary>Row-major values.</summary>
    public float[] Data { get; }

    /// <summary>Dimensions.</summary>
    public int[] Shape { get; }
}
