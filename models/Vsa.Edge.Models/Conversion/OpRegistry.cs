using Vsa.Edge.Models.Conversion.Mappers;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion;

/// <summary>Emits the ONNX nodes for one TF node.</summary>
public delegate void OpMapper(TfNode node, ConversionContext context);

/// <summary>Computes a TF node's outputs at conversion time when all its inputs are constants.</summary>
public delegate TensorData[] OpFolder(TfNode node, IReadOnlyList<TensorData> inputs);

/// <summary>
/// TF op name → mapper (and optional constant folder). One static class per op family registers its ops, so a new
/// model's ops (MoveNet: ExpandDims, Pack, GatherNd, ArgMax...) are added without touching the converter.
/// </summary>
public sealed class OpRegistry
{
    private readonly Dictionary<string, OpMapper> _mappers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpFolder> _folders = new(StringComparer.Ordinal);

    /// <summary>The registry with every op family the converter knows.</summary>
    public static OpRegistry CreateDefault()
    {
        var registry = new OpRegistry();
        StructuralOps.Register(registry);
        ElementwiseOps.Register(registry);
        ConvolutionOps.Register(registry);
        LayoutOps.Register(registry);
        ResizeOps.Register(registry);
        ShapeOps.Register(registry);
        IndexingOps.Register(registry);
        SelectionOps.Register(registry);
        return registry;
    }

    public IEnumerable<string> SupportedOps => _mappers.Keys.Union(_folders.Keys).Order(StringComparer.Ordinal);

    public void Map(string op, OpMapper mapper) => _mappers[op] = mapper;

    public void Fold(string op, OpFolder folder) => _folders[op] = folder;

    public bool TryGetMapper(string op, out OpMapper mapper) => _mappers.TryGetValue(op, out mapper!);

    public bool TryGetFolder(string op, out OpFolder folder) => _folders.TryGetValue(op, out folder!);
}
