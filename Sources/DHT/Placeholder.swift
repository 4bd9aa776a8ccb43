public enum DHTPlaceholder {}
