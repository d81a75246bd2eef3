using System.Buffers.Binary;
using System.Reflection;
using Google.Protobuf;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Onnx.Proto;

namespace Vsa.Edge.Models.Onnx;

/// <summary>Serialises an <see cref="OnnxGraph"/> as an ONNX ModelProto file.</summary>
public static class OnnxModelWriter
{
    /// <summary>Opset of the default ONNX domain the mappers target (13: Split/Resize/Pad take their parameters as inputs).</summary>
    public const long Opset = 13;

    /// <summary>IR version that goes with opset 13.</summary>
    public const long IrVersion = 7;

    public const string ProducerName = "vsa-model";

    public static string ProducerVersion { get; } =
        typeof(OnnxModelWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static byte[] ToBytes(OnnxGraph graph, IReadOnlyDictionary<string, string>? metadata = null) =>
        ToProto(graph, metadata).ToByteArray();

    public static void Write(OnnxGraph graph, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        // Write then rename: a reader (the agent, another helper) never sees half a model.
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temp, ToBytes(graph, metadata));
        File.Move(temp, path, overwrite: true);
    }

    internal static ModelProto ToProto(OnnxGraph graph, IReadOnlyDictionary<string, string>? metadata)
    {
        var g = new GraphProto { Name = graph.Name };
        g.Input.AddRange(graph.Inputs.Select(ValueInfo));
        g.Output.AddRange(graph.Outputs.Select(ValueInfo));
        g.Initializer.AddRange(graph.Initializers.Select(i => Tensor(i.Key, i.Value)));
        g.Node.AddRange(graph.Nodes.Select(Node));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            Graph = g,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    private static NodeProto Node(OnnxNode node)
    {
        var proto = new NodeProto { Name = node.Name, OpType = node.OpType };
        proto.Input.AddRange(node.Inputs);
        proto.Output.AddRange(node.Outputs);
        foreach (var (name, a) in node.Attributes)
        {
            var attr = new AttributeProto { Name = name };
            switch (a.Kind)
            {
                case OnnxAttributeKind.Int:
                    attr.Type = AttributeProto.Types.AttributeType.Int;
                    attr.I = a.Int;
                    break;
                case OnnxAttributeKind.Float:
                    attr.Type = AttributeProto.Types.AttributeType.Float;
                    attr.F = a.Float;
                    break;
                case OnnxAttributeKind.String:
                    attr.Type = AttributeProto.Types.AttributeType.String;
                    attr.S = ByteString.CopyFromUtf8(a.String);
                    break;
                case OnnxAttributeKind.Ints:
                    attr.Type = AttributeProto.Types.AttributeType.Ints;
                    attr.Ints.AddRange(a.Ints);
                    break;
                case OnnxAttributeKind.Floats:
                    attr.Type = AttributeProto.Types.AttributeType.Floats;
                    attr.Floats.AddRange(a.Floats);
                    break;
            }

            proto.Attribute.Add(attr);
        }

        return proto;
    }

    /// <summary>An initializer as little-endian raw bytes (weights stay FP32).</summary>
    internal static TensorProto Tensor(string name, TensorData data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)data.Type };
        proto.Dims.AddRange(data.Shape);
        var width = data.Type switch
        {
            ElementType.Float32 or ElementType.Int32 => 4,
            ElementType.Int64 => 8,
            _ => 1,
        };
        var bytes = new byte[data.Count * width];
        for (var i = 0; i < data.Count; i++)
        {
            var span = bytes.AsSpan(i * width, width);
            switch (data.Type)
            {
                case ElementType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(span, data.Floats[i]);
                    break;
                case ElementType.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(span, checked((int)data.Ints[i]));
                    break;
                case ElementType.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(span, data.Ints[i]);
                    break;
                default:
                    span[0] = data.Ints[i] != 0 ? (byte)1 : (byte)0;
                    break;
            }
        }

        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    /// <summary>The name of an unknown first dimension, shared by every input and output: the batch.</summary>
    public const string BatchDimension = "batch";

    private static ValueInfoProto ValueInfo(OnnxValueInfo info)
    {
        var shape = new TensorShapeProto();
        for (var i = 0; i < info.Shape.Length; i++)
        {
            shape.Dim.Add(info.Shape[i] >= 0
                ? new TensorShapeProto.Types.Dimension { DimValue = info.Shape[i] }
                : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? BatchDimension : $"{info.Name}_d{i}" });
        }

        return new ValueInfoProto
        {
            Name = info.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)info.Type, Shape = shape } },
        };
    }
}
