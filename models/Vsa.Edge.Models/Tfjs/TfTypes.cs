using Vsa.Edge.Models.Conversion;

namespace Vsa.Edge.Models.Tfjs;

/// <summary>Maps TensorFlow <c>DT_*</c> type names to the converter's element types.</summary>
public static class TfTypes
{
    public static ElementType ToElementType(string? dataType, TfNode node) => dataType switch
    {
        "DT_FLOAT" or null => ElementType.Float32,
        "DT_INT32" => ElementType.Int32,
        "DT_INT64" => ElementType.Int64,
        "DT_BOOL" => ElementType.Bool,
        _ => throw new ConversionException($"Node '{node.Name}' ({node.Op}) has data type {dataType}, which the converter does not handle."),
    };
}
