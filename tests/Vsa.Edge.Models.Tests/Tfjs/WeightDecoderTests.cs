using System.Buffers.Binary;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Tfjs;

public sealed class WeightDecoderTests
{
    [Theory]
    [InlineData((ushort)0x3C00, 1f)]
    [InlineData((ushort)0xC000, -2f)]
    [InlineData((ushort)0x3555, 0.333251953125f)]
    [InlineData((ushort)0x7BFF, 65504f)]
    [InlineData((ushort)0x0001, 5.9604645E-08f)]
    [InlineData((ushort)0x8000, -0f)]
    [InlineData((ushort)0x7C00, float.PositiveInfinity)]
    [InlineData((ushort)0xFC00, float.NegativeInfinity)]
    public void DecodeFloat16_KnownBitPatterns_GiveExactSingles(ushort bits, float expected)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, bits);

        var decoded = WeightDecoder.DecodeFloat16(bytes);

        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(decoded[0]));
    }

    [Fact]
    public void Decode_MixedManifest_ReadsEachWeightAtItsOffset()
    {
        // float16 [2] = {1, -2}, int32 [3] = {7, -1, 3}, float32 [1] = {0.25}, uint8 affine [2] = {0, 255}.
        var data = new byte[(2 * 2) + (3 * 4) + 4 + 2];
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0), 0x3C00);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2), 0xC000);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), 7);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(8), -1);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(12), 3);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(16), 0.25f);
        data[20] = 0;
        data[21] = 255;
        WeightSpec[] specs =
        [
            new("half", [2], "float32", "float16"),
            new("ints", [3], "int32"),
            new("single", [1], "float32"),
            new("bytes", [2], "float32", "uint8", Min: -1f, Scale: 2f / 255f),
        ];

        var weights = WeightDecoder.Decode(specs, data);

        Assert.Equal([1f, -2f], weights["half"].Floats);
        Assert.Equal([7L, -1, 3], weights["ints"].Ints);
        Assert.Equal(ElementType.Int32, weights["ints"].Type);
        Assert.Equal([0.25f], weights["single"].Floats);
        Assert.Equal(-1f, weights["bytes"].Floats[0], 6);
        Assert.Equal(1f, weights["bytes"].Floats[1], 6);
    }

    [Fact]
    public void Decode_ShardsShorterThanManifest_ErrorNamesWeight()
    {
        WeightSpec[] specs = [new("conv/filter", [4], "float32", "float16")];

        var error = Assert.Throws<InvalidDataException>(() => WeightDecoder.Decode(specs, new byte[6]));

        Assert.Contains("conv/filter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_StringWeights_AreRefusedByName()
    {
        WeightSpec[] specs = [new("vocab", [1], "string")];

        var error = Assert.Throws<NotSupportedException>(() => WeightDecoder.Decode(specs, new byte[4]));

        Assert.Contains("vocab", error.Message, StringComparison.Ordinal);
    }
}
