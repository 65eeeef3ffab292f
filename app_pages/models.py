import streamlit as st

st.title("Models")
st.info("Coming next: the provider's catalog, model cards and a form built from each model's schema.")
