using System.Buffers.Binary;
using Vsa.Edge.Models.Conversion;

namespace Vsa.Edge.Models.Tfjs;

/// <summary>One entry of a TFJS <c>weightsManifest[].weights</c> list.</summary>
/// <param name="Name">Const node name.</param>
/// <param name="Shape">Tensor shape.</param>
/// <param name="DType">Logical dtype (<c>float32</c>, <c>int32</c>, <c>bool</c>).</param>
/// <param name="QuantizedAs">Storage dtype when quantized (<c>float16</c>, <c>uint8</c>, <c>uint16</c>), else null.</param>
/// <param name="Min">Affine de-quantization offset (uint8/uint16 only).</param>
/// <param name="Scale">Affine de-quantization scale (uint8/uint16 only).</param>
public sealed record WeightSpec(string Name, long[] Shape, string DType, string? QuantizedAs = null, float Min = 0, float Scale = 1);

/// <summary>Decodes the concatenated weight shards of a TFJS graph model into tensors.</summary>
public static class WeightDecoder
{
    /// <summary>Decodes IEEE 754 half-precision values (little-endian) to single precision.</summary>
    public static float[] DecodeFloat16(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2, 2));
            values[i] = (float)BitConverter.UInt16BitsToHalf(bits);
        }

        return values;
    }

    /// <summary>Decodes every weight, in manifest order, from the shards joined end to end.</summary>
    public static Dictionary<string, TensorData> Decode(IReadOnlyList<WeightSpec> specs, ReadOnlySpan<byte> data)
    {
        var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        var offset = 0;
        foreach (var spec in specs)
        {
            var count = checked((int)ShapeMath.ElementCount(spec.Shape));
            var size = count * BytesPerElement(spec);
            if (offset + size > data.Length)
            {
                throw new InvalidDataException(
                    $"Weight '{spec.Name}' needs bytes {offset}..{offset + size} but the shards hold only {data.Length} bytes.");
            }

            result[spec.Name] = DecodeOne(spec, data.Slice(offset, size), count);
            offset += size;
        }

        if (offset != data.Length)
        {
            throw new InvalidDataException($"The weight manifest describes {offset} bytes but the shards hold {data.Length}.");
        }

        return result;
    }

    private static int BytesPerElement(WeightSpec spec) => spec.QuantizedAs switch
    {
        "float16" or "uint16" => 2,
        "uint8" => 1,
        null => spec.DType switch
        {
            "float32" or "int32" => 4,
            "bool" => 1,
            _ => throw new NotSupportedException($"Weight '{spec.Name}' has dtype '{spec.DType}', which the converter does not read."),
        },
        _ => throw new NotSupportedException($"Weight '{spec.Name}' is quantized as '{spec.QuantizedAs}', which the converter does not read."),
    };

    private static TensorData DecodeOne(WeightSpec spec, ReadOnlySpan<byte> bytes, int count)
    {
        var floats = spec.QuantizedAs switch
        {
            "float16" => DecodeFloat16(bytes),
            "uint8" or "uint16" => DecodeAffine(bytes, count, spec),
            _ => spec.DType == "float32" ? ReadFloat32(bytes, count) : null,
        };

        if (spec.DType == "float32")
        {
            return TensorData.FromFloats(spec.Shape, floats!);
        }

        if (floats is not null)
        {
            // A quantized integer tensor: TFJS rounds back after de-quantizing.
            return TensorData.FromInts(ElementType.Int32, spec.Shape, Array.ConvertAll(floats, f => (long)MathF.Round(f)));
        }

        var ints = new long[count];
        if (spec.DType == "bool")
        {
            for (var i = 0; i < count; i++)
            {
                ints[i] = bytes[i] != 0 ? 1 : 0;
            }

            return TensorData.FromInts(ElementType.Bool, spec.Shape, ints);
        }

        for (var i = 0; i < count; i++)
        {
            ints[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4, 4));
        }

        return TensorData.FromInts(ElementType.Int32, spec.Shape, ints);
    }

    private static float[] ReadFloat32(ReadOnlySpan<byte> bytes, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
        }

        return values;
    }

    private static float[] DecodeAffine(ReadOnlySpan<byte> bytes, int count, WeightSpec spec)
    {
        var values = new float[count];
        var wide = spec.QuantizedAs == "uint16";
        for (var i = 0; i < count; i++)
        {
            float raw = wide ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2, 2)) : bytes[i];
            values[i] = (raw * spec.Scale) + spec.Min;
        }

        return values;
    }
}
